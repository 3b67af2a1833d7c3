// SPDX-License-Identifier: BSD-3-Clause
// Dialog event subscriptions on libre's own SIP stack (sip_alloc,
// sipevent_listen, sipevent_subscribe; libre 1.1.0), beside baresip: baresip
// 1.0.0 cannot do this for an outside controller (its presence module
// subscribes to `presence` with application/pidf+xml only, and ctrl_tcp
// reports no presence or dialog events).
//
// On hotdeskd's SIP stack (agent/sip/sip_stack.h: one UDP socket, shared
// with the credentials check before a login). SUBSCRIBE goes to the monitored AOR at the registrar
// (RFC 6665) with `Event: dialog` and `Accept: application/dialog-info+xml`
// (RFC 4235); digest challenges are answered with the watcher's credentials;
// libre refreshes an accepted subscription at 90 % of its Expires. NOTIFYs
// are answered 200 and their bodies handed on.
#pragma once

#include "dialog_subscriber.h"

#include "../sip/sip_stack.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hotdesk
{

class SipDialogSubscriber : public DialogSubscriber
{
public:
	// Subscriptions on `stack`, which must outlive the subscriber.
	static Expected<std::unique_ptr<SipDialogSubscriber>> open(SipStack &stack);
	~SipDialogSubscriber() override;

	void set_handlers(Handlers h) override { h_ = std::move(h); }
	Expected<uint64_t> subscribe(const DialogWatch &w) override;
	void unsubscribe(uint64_t id) override;
	size_t count() const override { return subs_.size(); }
	// "127.0.0.1:40123": where NOTIFYs come to (the log, tests).
	std::string local_address() const { return laddr_; }

	struct Sub; // one subscription (libre's handlers' argument)

private:
	SipDialogSubscriber() = default;
	void on_notify(Sub &s, const struct sip_msg *msg);
	void on_close(Sub &s, int err, const struct sip_msg *msg,
	              const struct sipevent_substate *st);
	static void reap(void *arg);

	Handlers h_;
	struct sip *sip_ = nullptr; // the stack's
	struct sipevent_sock *sock_ = nullptr;
	std::string laddr_;
	uint64_t next_id_ = 1;
	std::map<uint64_t, std::unique_ptr<Sub>> subs_;
	std::vector<std::unique_ptr<Sub>> closed_; // freed outside libre's handlers
	struct tmr reap_tmr_;

	friend struct SubHandlers;
};

// WatchTimers on libre's timers.
class ReWatchTimers : public WatchTimers
{
public:
	~ReWatchTimers() override;
	void set_handler(std::function<void(const std::string &ext)> h) override
	{
		h_ = std::move(h);
	}
	void start(const std::string &ext, uint64_t ms) override;
	void stop(const std::string &ext) override;

private:
	struct Timer {
		ReWatchTimers *owner;
		std::string ext;
		struct tmr tmr;
	};
	static void fire(void *arg);
	std::function<void(const std::string &)> h_;
	std::map<std::string, std::unique_ptr<Timer>> timers_;
};

} // namespace hotdesk
