// SPDX-License-Identifier: BSD-3-Clause
// The phone's calls, owned here: the declared call machine (agent/core/
// calls.h) driven by baresip's events and the keys, its commands sent over
// ctrl_tcp, its timers on libre's loop. Every call command is
// `callfind <Call-ID>` then the command (baresip 1.0.0 acts on the current
// call; /work/shared/notes/baresip-ctrl-tcp.md), sent back to back on the
// one ctrl_tcp connection, so nothing comes between them.
//
// DTMF digits typed in a call are never logged (they are often PINs).
#pragma once

#include "../../platform/re/re_cxx.h"
#include "../core/calls.h"
#include "../ctrl/ctrl_client.h"

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hotdesk
{

class PhoneCalls : private CallPorts
{
public:
	struct Handlers {
		std::function<void()> screen_changed;
		std::function<void()> last_call_ended; // run deferred identity changes
		// optional: baresip refused a dial (a dial it takes ends at its call's
		// first event, which reaches screen_changed)
		std::function<void()> dial_refused;
		std::function<bool(const std::string &)> dial_allowed; // transfer targets
		std::function<void(const std::string &)> redial;       // Send/OK on a history entry
		// Optional: runs `send` (a call's commands, owning what it
		// captures) with the call's account selected in baresip, at once or
		// a few ms later (issue 16: a callback to the pool while a person is
		// logged in; a same-AOR account change selects a placeholder).
		std::function<void(const std::string &aor, const std::function<void()> &send)>
		    with_account;
	};
	PhoneCalls(CtrlClient &ctrl, std::vector<std::string> emergency_numbers, Handlers h);
	~PhoneCalls() override;
	PhoneCalls(const PhoneCalls &) = delete;
	PhoneCalls &operator=(const PhoneCalls &) = delete;

	// A new outgoing call (the session decided it may go out).
	void dial(const std::string &number);
	// A baresip event; false when it is not a call's.
	bool on_event(const CtrlMessage &m);
	// A key; true when the calls (or the history while browsing) took it.
	bool on_key(const Key &k);
	// baresip is gone: so are its calls.
	void on_service_lost() { calls_.on_service_lost(); }
	void adopt(const BaresipEvent &e) { calls_.adopt(e); }
	void on_account_gone(const std::string &aor) { calls_.on_account_gone(aor); }
	void set_emergency_numbers(std::vector<std::string> n)
	{
		calls_.set_emergency_numbers(std::move(n));
	}

	bool active() const { return calls_.active(); }
	// Whether the account `aor` carries a call that is not over, or a dial
	// is under way: from the `dial` request until the new call's first event
	// (which names its account; measured: baresip 1.0.0 may answer `dial`
	// some ms before that event), the new call's account is unknown.
	bool carries(const std::string &aor) const
	{
		if (dialling())
			return true;
		for (const auto &c : calls_.calls())
			if (c.state != CallState::Closed && c.aor == aor)
				return true;
		return false;
	}
	bool busy() const { return calls_.busy(); }
	// What the display shows when the calls have the screen: the call
	// screen, or the history while browsing. Empty: the session's screen.
	std::vector<std::string> lines() const;
	std::vector<std::string> softkey_labels() const;
	std::vector<CallInfo> calls() const { return calls_.calls(); }
	// Calls up (not those lingering on the screen after they ended).
	size_t live() const
	{
		size_t n = 0;
		for (const auto &c : calls_.calls())
			n += c.state != CallState::Closed;
		return n;
	}
	CallHistory &history() { return calls_.history(); }
	const CallHistory &history() const { return calls_.history(); }

private:
	// CallPorts
	void accept(const std::string &id) override { command(id, "accept", ""); }
	void hangup(const std::string &id) override { command(id, "hangup", ""); }
	void hold(const std::string &id) override { command(id, "hold", ""); }
	void resume(const std::string &id) override { command(id, "resume", ""); }
	void send_dtmf(const std::string &id, char digit) override;
	void transfer(const std::string &id, const std::string &number) override;
	void mute(const std::string &id, bool) override { command(id, "mute", ""); }
	bool transfer_allowed(const std::string &number) override;
	void start_timer(CallTimer t, unsigned ms) override;
	void stop_timer(CallTimer t) override;
	uint64_t now_ms() override;
	void show(const CallScreen &) override { h_.screen_changed(); }
	void log_info(const std::string &msg) override;
	void log_bug(const std::string &msg) override;
	void last_call_ended() override { h_.last_call_ended(); }

	// `params` of sndcode are digits: never logged, in failures neither.
	void command(const std::string &id, const char *cmd, const std::string &params,
	             bool secret = false);

	struct TimerSlot {
		PhoneCalls *self;
		CallTimer which;
		struct tmr tmr;
	};
	static void timer_h(void *arg);

	CtrlClient &ctrl_;
	Handlers h_;
	// When each dial under way was asked for (monotonic ms); one ends with
	// its call's first event or a refused `dial`. One older than
	// kDialGraceMs is taken for gone (baresip sent no event for it).
	static constexpr uint64_t kDialGraceMs = 10000;
	mutable std::deque<uint64_t> dials_;
	bool dialling() const;
	void dial_early_emergency();
	std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
	TimerSlot timers_[3];
	Calls calls_;
};

} // namespace hotdesk
