// SPDX-License-Identifier: BSD-3-Clause
#include "phone_calls.h"

#include "../../platform/clock/clock.h"
#include "../core/log.h"

#include <algorithm>
#include <chrono>

namespace hotdesk
{

PhoneCalls::PhoneCalls(CtrlClient &ctrl, std::vector<std::string> emergency_numbers, Handlers h)
    : ctrl_(ctrl), h_(std::move(h)), calls_(*this, std::move(emergency_numbers))
{
	for (int i = 0; i < 3; ++i) {
		timers_[i].self = this;
		timers_[i].which = static_cast<CallTimer>(i);
		tmr_init(&timers_[i].tmr);
	}
}

PhoneCalls::~PhoneCalls()
{
	for (auto &t : timers_)
		tmr_cancel(&t.tmr);
}

void PhoneCalls::dial(const std::string &number)
{
	calls_.drop_early_digits(); // a new call: what was typed for another is not its
	dials_.push_back(monotonic_ms());
	std::weak_ptr<bool> alive = alive_;
	ctrl_.request("dial", number, [this, alive, number](Expected<std::string> r) {
		if (r || alive.expired())
			return; // the call's first event ends the dial (on_event)
		log_error("calls: dial " + number + " failed: " + r.error().what);
		if (!dials_.empty())
			dials_.pop_front();
		if (!dialling())
			calls_.drop_early_digits(); // no call to send them to
		if (h_.dial_refused)
			h_.dial_refused();
	});
}

bool PhoneCalls::on_event(const CtrlMessage &m)
{
	if (m.call_id.empty())
		return false;
	BaresipEvent e{m.type, m.aor, m.direction, m.peeruri, m.peername, m.call_id, m.param};
	auto knows = [this, &m] {
		for (const auto &c : calls_.calls())
			if (c.id == m.call_id)
				return true;
		return false;
	};
	const bool known = knows();
	const bool changed = calls_.on_event(e);
	// The event that made a call we dialled ends the dial: its account is
	// known now. Not any first event: baresip 1.0.0 may send a CALL_RTCP
	// report before CALL_RINGING, and a PIN digit typed in between went to
	// the display, not to the IVR (CI, test_pbx_flow).
	if (!known && m.direction == "outgoing" && !dials_.empty() && knows())
		dials_.pop_front();
	return changed;
}

// An emergency number typed while a call was set up dials at once, as in
// every state (the session's dial plan takes it from here).
void PhoneCalls::dial_early_emergency()
{
	const std::string n = calls_.take_early_emergency();
	if (!n.empty()) {
		log_info("calls: emergency number " + n + " typed while a call was set up");
		h_.redial(n);
	}
}

bool PhoneCalls::dialling() const
{
	const uint64_t now = monotonic_ms();
	while (!dials_.empty() && now - dials_.front() > kDialGraceMs) {
		log_warn("calls: a dial had no call event within " + std::to_string(kDialGraceMs) +
		         " ms: taken for gone");
		dials_.pop_front();
	}
	return !dials_.empty();
}

bool PhoneCalls::on_key(const Key &k)
{
	// A dial key typed before the new call's first event: it is the call's
	// (an IVR's PIN typed at once), never the start of another number.
	if (dialling() &&
	    (k.kind == KeyKind::Digit || k.kind == KeyKind::Star || k.kind == KeyKind::Hash)) {
		calls_.early_digit(k.kind == KeyKind::Digit  ? k.digit
		                   : k.kind == KeyKind::Star ? '*'
		                                             : '#');
		dial_early_emergency();
		return true;
	}
	if (calls_.on_key(k)) {
		dial_early_emergency();
		return true;
	}
	if (calls_.showing())
		return false;
	CallHistory &h = calls_.history();
	const bool was = h.browsing();
	if (was && (k.kind == KeyKind::Send || k.kind == KeyKind::Ok) && h.selected()) {
		const std::string number = h.selected()->number;
		h.close();
		h_.screen_changed();
		h_.redial(number);
		return true;
	}
	const bool took = h.on_key(k);
	if (was || took)
		h_.screen_changed();
	return took;
}

std::vector<std::string> PhoneCalls::lines() const
{
	if (calls_.showing()) {
		// {who, status, other calls...}: a two-line display keeps who and
		// what happens; taller ones list the other calls below.
		std::vector<std::string> l = calls_.screen().lines;
		if (l.size() > 2)
			std::rotate(l.begin() + 1, l.end() - 1, l.end());
		return l;
	}
	if (calls_.history().browsing())
		return calls_.history().lines();
	return {};
}

std::vector<std::string> PhoneCalls::softkey_labels() const
{
	return calls_.showing() ? calls_.screen().labels() : std::vector<std::string>{};
}

void PhoneCalls::send_dtmf(const std::string &id, char digit)
{
	command(id, "sndcode", std::string(1, digit), true);
}

void PhoneCalls::transfer(const std::string &id, const std::string &number)
{
	command(id, "transfer", number);
}

bool PhoneCalls::transfer_allowed(const std::string &number)
{
	return h_.dial_allowed(number);
}

void PhoneCalls::command(const std::string &id, const char *cmd, const std::string &params,
                         bool secret)
{
	const std::string name = cmd;
	// By value: the accounts owner may run it a few ms later (when_dialable).
	auto send = [this, id, name, params, secret] {
		ctrl_.request("callfind", id, [id](Expected<std::string> r) {
			if (!r)
				log_warn("calls: callfind " + id + ": " + r.error().what);
		});
		ctrl_.request(name, params, [name, secret](Expected<std::string> r) {
			if (!r)
				log_warn("calls: " + name + " failed" +
				         (secret ? "" : ": " + r.error().what));
		});
	};
	// callfind looks only among the calls of baresip's current account.
	std::string aor;
	for (const auto &c : calls_.calls())
		if (c.id == id)
			aor = c.aor;
	if (h_.with_account && !aor.empty())
		h_.with_account(aor, send);
	else
		send();
}

void PhoneCalls::start_timer(CallTimer t, unsigned ms)
{
	auto &slot = timers_[static_cast<int>(t)];
	tmr_start(&slot.tmr, ms, timer_h, &slot);
}

void PhoneCalls::stop_timer(CallTimer t)
{
	tmr_cancel(&timers_[static_cast<int>(t)].tmr);
}

void PhoneCalls::timer_h(void *arg)
{
	auto *slot = static_cast<TimerSlot *>(arg);
	slot->self->calls_.on_timer(slot->which);
}

uint64_t PhoneCalls::now_ms()
{
	return monotonic_ms();
}

void PhoneCalls::log_info(const std::string &msg)
{
	hotdesk::log_info(msg);
}

void PhoneCalls::log_bug(const std::string &msg)
{
	log_error("BUG: " + msg);
}

} // namespace hotdesk
