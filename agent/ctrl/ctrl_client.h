// SPDX-License-Identifier: BSD-3-Clause
// Client for baresip's ctrl_tcp on libre's event loop.
//
// - netstring framing, JSON via re's odict (ctrl_message.h has the wire format)
// - requests matched to responses by token, each with its own timeout
// - TCP_QUICKACK re-armed after every receive (see platform/net)
// - reconnect with jittered exponential backoff (100..200 ms, doubling to
//   1.5..3 s; core/backoff.h) when baresip goes away; the owner
//   re-reads baresip's state and re-applies its own in on_up.
// Command parameters may carry secrets (auth_pass): they are never logged.
#pragma once

#include "../../platform/re/re_cxx.h"
#include "../core/backoff.h"
#include "../core/error.h"
#include "../core/netstring.h"
#include "ctrl_message.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace hotdesk
{

class CtrlClient
{
public:
	struct Handlers {
		std::function<void()> up;
		std::function<void(const std::string &why)> down;
		std::function<void(const CtrlMessage &)> event;
	};
	using ResponseHandler = std::function<void(Expected<std::string> data)>;

	CtrlClient(std::string addr, Handlers h, unsigned request_timeout_ms = 3000);
	~CtrlClient();
	CtrlClient(const CtrlClient &) = delete;
	CtrlClient &operator=(const CtrlClient &) = delete;

	Status start();
	bool connected() const { return connected_; }
	// Sends `command params`; `done` is called exactly once: with the
	// response's data, with ok:false's text as an Error, on timeout or on
	// connection loss.
	void request(const std::string &command, const std::string &params, ResponseHandler done);

	unsigned reconnects() const { return reconnects_; }

private:
	struct Pending {
		std::string command;
		ResponseHandler done;
		struct tmr timer;
		CtrlClient *self;
		std::string token;
	};

	void connect();
	void schedule_reconnect(const std::string &why);
	void drop(const std::string &why);
	void on_recv(struct mbuf *mb);
	void handle(const CtrlMessage &m);
	void fail_all(const std::string &why);
	void finish(const std::string &token, Expected<std::string> result);

	static void estab_h(void *arg);
	static void recv_h(struct mbuf *mb, void *arg);
	static void close_h(int err, void *arg);
	static void reconnect_h(void *arg);
	static void timeout_h(void *arg);
	static void dropped_h(void *arg);

	std::string addr_;
	Handlers h_;
	unsigned timeout_ms_;
	struct sa sa_ {
	};
	ReRef<struct tcp_conn> tc_;
	struct tmr reconnect_tmr_ {
	};
	Backoff backoff_;
	unsigned reconnects_ = 0;
	bool connected_ = false;
	bool dropping_ = false;
	std::string drop_reason_;
	NetstringDecoder decoder_;
	uint64_t next_token_ = 1;
	std::map<std::string, std::unique_ptr<Pending>> pending_;
};

} // namespace hotdesk
