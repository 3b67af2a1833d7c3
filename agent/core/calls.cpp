// SPDX-License-Identifier: BSD-3-Clause
#include "calls.h"

#include "call_text.h"
#include "i18n.h"
#include "text.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace hotdesk
{

using S = CallState;
using E = CallEvent;
using C = Calls;

// clang-format off
// The whole behaviour of ONE call. First matching row wins; a guard of
// nullptr always matches. An event with no row is a bug and is logged as
// one. Calls (below) decides which call a person's input goes to and in
// which order several calls are told (hold the talking call, then answer
// the ringing one). Keep docs/call-state-machine.dot in step with this
// (scripts/gen-state-diagram).
const Calls::Row Calls::kTable[] = {
	// from              event                guard             to                  action
	// The event that made the call.
	{S::New,           E::Incoming,       &C::too_many,     S::Closed,          &C::reject_busy},
	{S::New,           E::Incoming,       nullptr,          S::Incoming,        &C::ring},
	{S::New,           E::LocalSdp,       nullptr,          S::Dialing,         &C::start_outgoing},
	{S::New,           E::Ringing,        nullptr,          S::RemoteRinging,   &C::start_outgoing},
	{S::New,           E::Progress,       nullptr,          S::RemoteRinging,   &C::start_outgoing},
	{S::New,           E::Established,    nullptr,          S::Established,     &C::adopt},
	{S::New,           E::Closed,         nullptr,          S::Closed,          &C::ended},

	{S::Dialing,       E::LocalSdp,       nullptr,          S::Dialing,         &C::noop},
	{S::Dialing,       E::Ringing,        nullptr,          S::RemoteRinging,   &C::noop},
	{S::Dialing,       E::Progress,       nullptr,          S::RemoteRinging,   &C::noop},
	{S::Dialing,       E::Established,    nullptr,          S::Established,     &C::connected},
	{S::Dialing,       E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::Dialing,       E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::Dialing,       E::HangUp,         nullptr,          S::Closed,          &C::hang_up},
	{S::Dialing,       E::Answer,         nullptr,          S::Dialing,         &C::noop},
	{S::Dialing,       E::Hold,           nullptr,          S::Dialing,         &C::noop},
	{S::Dialing,       E::Resume,         nullptr,          S::Dialing,         &C::noop},
	{S::Dialing,       E::Dtmf,           nullptr,          S::Dialing,         &C::noop},
	{S::Dialing,       E::BlindTransfer,  nullptr,          S::Dialing,         &C::noop},
	{S::Dialing,       E::Mute,           nullptr,          S::Dialing,         &C::noop},

	{S::RemoteRinging, E::LocalSdp,       nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Ringing,        nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Progress,       nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Established,    nullptr,          S::Established,     &C::connected},
	{S::RemoteRinging, E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::RemoteRinging, E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::RemoteRinging, E::HangUp,         nullptr,          S::Closed,          &C::hang_up},
	{S::RemoteRinging, E::Answer,         nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Hold,           nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Resume,         nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Dtmf,           nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::BlindTransfer,  nullptr,          S::RemoteRinging,   &C::noop},
	{S::RemoteRinging, E::Mute,           nullptr,          S::RemoteRinging,   &C::noop},

	{S::Incoming,      E::Answer,         nullptr,          S::Answering,       &C::accept},
	{S::Incoming,      E::HangUp,         nullptr,          S::Closed,          &C::reject},
	{S::Incoming,      E::NoAnswer,       nullptr,          S::Closed,          &C::give_up},
	{S::Incoming,      E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::Incoming,      E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::Incoming,      E::Established,    nullptr,          S::Established,     &C::connected},
	{S::Incoming,      E::LocalSdp,       nullptr,          S::Incoming,        &C::noop},
	{S::Incoming,      E::Hold,           nullptr,          S::Incoming,        &C::noop},
	{S::Incoming,      E::Resume,         nullptr,          S::Incoming,        &C::noop},
	{S::Incoming,      E::Dtmf,           nullptr,          S::Incoming,        &C::noop},
	{S::Incoming,      E::BlindTransfer,  nullptr,          S::Incoming,        &C::noop},
	{S::Incoming,      E::Mute,           nullptr,          S::Incoming,        &C::noop},

	// `accept` sent; baresip says CALL_ESTABLISHED when the ACK arrives.
	{S::Answering,     E::Established,    nullptr,          S::Established,     &C::connected},
	{S::Answering,     E::LocalSdp,       nullptr,          S::Answering,       &C::noop},
	{S::Answering,     E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::Answering,     E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::Answering,     E::HangUp,         nullptr,          S::Closed,          &C::hang_up},
	{S::Answering,     E::Answer,         nullptr,          S::Answering,       &C::noop},
	{S::Answering,     E::Hold,           nullptr,          S::Answering,       &C::noop},
	{S::Answering,     E::Resume,         nullptr,          S::Answering,       &C::noop},
	{S::Answering,     E::Dtmf,           nullptr,          S::Answering,       &C::noop},
	{S::Answering,     E::BlindTransfer,  nullptr,          S::Answering,       &C::noop},
	{S::Answering,     E::Mute,           nullptr,          S::Answering,       &C::noop},

	{S::Established,   E::HangUp,         nullptr,          S::Closed,          &C::hang_up},
	{S::Established,   E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::Established,   E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::Established,   E::TransferFailed, nullptr,          S::Closed,          &C::transfer_failed},
	{S::Established,   E::Transfer,       nullptr,          S::Established,     &C::referred},
	{S::Established,   E::Hold,           nullptr,          S::Held,            &C::hold},
	{S::Established,   E::Dtmf,           nullptr,          S::Established,     &C::send_dtmf},
	{S::Established,   E::Mute,           nullptr,          S::Established,     &C::toggle_mute},
	{S::Established,   E::BlindTransfer,  &C::transfer_ok,  S::Transferring,    &C::start_transfer},
	{S::Established,   E::BlindTransfer,  nullptr,          S::Established,     &C::refuse_transfer},
	{S::Established,   E::LocalSdp,       nullptr,          S::Established,     &C::noop},
	{S::Established,   E::Answer,         nullptr,          S::Established,     &C::noop},
	{S::Established,   E::Resume,         nullptr,          S::Established,     &C::noop},

	{S::Held,          E::Resume,         nullptr,          S::Established,     &C::resume},
	{S::Held,          E::Resumed,        nullptr,          S::Established,     &C::resumed},
	{S::Held,          E::HangUp,         nullptr,          S::Closed,          &C::hang_up},
	{S::Held,          E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::Held,          E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::Held,          E::TransferFailed, nullptr,          S::Closed,          &C::transfer_failed},
	{S::Held,          E::Transfer,       nullptr,          S::Held,            &C::referred},
	{S::Held,          E::BlindTransfer,  &C::transfer_ok,  S::Transferring,    &C::start_transfer},
	{S::Held,          E::BlindTransfer,  nullptr,          S::Held,            &C::refuse_transfer},
	{S::Held,          E::LocalSdp,       nullptr,          S::Held,            &C::noop},
	{S::Held,          E::Answer,         nullptr,          S::Held,            &C::noop},
	{S::Held,          E::Hold,           nullptr,          S::Held,            &C::noop},
	{S::Held,          E::Dtmf,           nullptr,          S::Held,            &C::noop},
	{S::Held,          E::Mute,           nullptr,          S::Held,            &C::noop},

	// REFER sent: baresip ends the call with CALL_CLOSED "Call transfered"
	// when the target answers, or with TRANSFER_FAILED.
	{S::Transferring,  E::Closed,         &C::was_transfer, S::Closed,          &C::transferred},
	{S::Transferring,  E::Closed,         nullptr,          S::Closed,          &C::ended},
	{S::Transferring,  E::TransferFailed, nullptr,          S::Closed,          &C::transfer_failed},
	{S::Transferring,  E::Lost,           nullptr,          S::Closed,          &C::lost},
	{S::Transferring,  E::HangUp,         nullptr,          S::Closed,          &C::hang_up},
	{S::Transferring,  E::Resumed,        nullptr,          S::Transferring,    &C::resumed},
	{S::Transferring,  E::LocalSdp,       nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::Transfer,       nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::Answer,         nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::Hold,           nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::Resume,         nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::Dtmf,           nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::BlindTransfer,  nullptr,          S::Transferring,    &C::noop},
	{S::Transferring,  E::Mute,           nullptr,          S::Transferring,    &C::noop},

	// Ended here first (we hung up) or late news: nothing more to do.
	{S::Closed,        E::Incoming,       nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::LocalSdp,       nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Ringing,        nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Progress,       nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Established,    nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Closed,         nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Transfer,       nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::TransferFailed, nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Lost,           nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Answer,         nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::HangUp,         nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Hold,           nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Resume,         nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Dtmf,           nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::BlindTransfer,  nullptr,          S::Closed,          &C::noop},
	{S::Closed,        E::Mute,           nullptr,          S::Closed,          &C::noop},
};
// clang-format on

const Calls::Row *Calls::table_begin()
{
	return std::begin(kTable);
}
const Calls::Row *Calls::table_end()
{
	return std::end(kTable);
}

const char *call_state_name(CallState s)
{
	switch (s) {
	case S::New:
		return "new";
	case S::Dialing:
		return "dialing";
	case S::RemoteRinging:
		return "remote-ringing";
	case S::Incoming:
		return "incoming";
	case S::Answering:
		return "answering";
	case S::Established:
		return "established";
	case S::Held:
		return "held";
	case S::Transferring:
		return "transferring";
	case S::Closed:
		return "closed";
	}
	return "?";
}

const char *call_event_name(CallEvent e)
{
	switch (e) {
	case E::Incoming:
		return "Incoming";
	case E::LocalSdp:
		return "LocalSdp";
	case E::Ringing:
		return "Ringing";
	case E::Progress:
		return "Progress";
	case E::Established:
		return "Established";
	case E::Closed:
		return "Closed";
	case E::Transfer:
		return "Transfer";
	case E::TransferFailed:
		return "TransferFailed";
	case E::Lost:
		return "Lost";
	case E::Resumed:
		return "Resumed";
	case E::Answer:
		return "Answer";
	case E::HangUp:
		return "HangUp";
	case E::Hold:
		return "Hold";
	case E::Resume:
		return "Resume";
	case E::Dtmf:
		return "Dtmf";
	case E::BlindTransfer:
		return "BlindTransfer";
	case E::Mute:
		return "Mute";
	case E::NoAnswer:
		return "NoAnswer";
	}
	return "?";
}

const char *call_action_name(CallAction a)
{
	switch (a) {
	case CallAction::Answer:
		return "answer";
	case CallAction::Reject:
		return "reject";
	case CallAction::HangUp:
		return "hang-up";
	case CallAction::Hold:
		return "hold";
	case CallAction::Resume:
		return "resume";
	case CallAction::Swap:
		return "swap";
	case CallAction::Transfer:
		return "transfer";
	case CallAction::Mute:
		return "mute";
	case CallAction::Confirm:
		return "confirm";
	case CallAction::Back:
		return "back";
	}
	return "?";
}

namespace
{

// The baresip event types Calls turns into table events (src/event.c
// uag_event_str()).
bool table_event(const std::string &type, CallEvent &out)
{
	static const struct {
		const char *type;
		CallEvent event;
	} kMap[] = {
	    {"CALL_INCOMING", E::Incoming},
	    {"CALL_LOCAL_SDP", E::LocalSdp},
	    {"CALL_RINGING", E::Ringing},
	    {"CALL_PROGRESS", E::Progress},
	    {"CALL_ESTABLISHED", E::Established},
	    {"CALL_CLOSED", E::Closed},
	    {"TRANSFER", E::Transfer},
	    {"TRANSFER_FAILED", E::TransferFailed},
	};
	for (const auto &m : kMap)
		if (type == m.type) {
			out = m.event;
			return true;
		}
	return false;
}

// Call events that change nothing here: DTMF from the peer (never logged
// either), media and statistics, the SDP the peer sent. AUDIO_ERROR is
// followed by CALL_CLOSED.
bool other_call_event(const std::string &type)
{
	return type.rfind("CALL_", 0) == 0 || type == "AUDIO_ERROR" || type == "VU_TX_REPORT" ||
	       type == "VU_RX_REPORT";
}

} // namespace

Calls::Calls(CallPorts &ports, std::vector<std::string> emergency_numbers, CallTimings t)
    : ports_(ports), emergency_(std::move(emergency_numbers)), t_(t)
{
}

void Calls::set_emergency_numbers(std::vector<std::string> numbers)
{
	emergency_ = std::move(numbers);
}

// ---- the queue and the dispatcher ----

void Calls::post(const std::string &id, CallEvent e, std::string param)
{
	queue_.push_back(Posted{id, e, std::move(param)});
}

void Calls::run()
{
	if (draining_)
		return; // the dispatcher below takes it from the queue
	draining_ = true;
	while (!queue_.empty()) {
		const Posted p = std::move(queue_.front());
		queue_.pop_front();
		dispatch(p);
	}
	reconcile();
	draining_ = false;
	render();
	const bool now_active = active();
	if (was_active_ && !now_active) {
		was_active_ = false;
		ports_.last_call_ended();
		return;
	}
	was_active_ = now_active;
}

void Calls::dispatch(const Posted &p)
{
	Call *c = find(p.id);
	if (!c)
		return; // forgotten between post and dispatch
	for (const Row &r : kTable) {
		if (r.from != c->state || r.event != p.event)
			continue;
		if (r.guard && !(this->*r.guard)(*c, p))
			continue;
		const CallState from = c->state;
		c->state = r.to;
		(this->*r.action)(*c, p);
		if (c->state != from)
			ports_.log_info("call " + std::to_string(c->line) + ": " +
			                call_state_name(from) + " -> " + call_state_name(c->state) +
			                " on " + call_event_name(p.event));
		return;
	}
	ports_.log_bug("calls: unhandled event " + std::string(call_event_name(p.event)) +
	               " in state " + call_state_name(c->state) + " (call " +
	               std::to_string(c->line) + ")");
}

// After every batch: drop what ended once something else is up, move the
// focus off ended calls, and start or stop the timers the calls need.
void Calls::reconcile()
{
	const uint64_t now = ports_.now_ms();
	if (live() > 0) {
		std::vector<std::string> gone;
		for (const auto &[id, c] : calls_)
			if (c.state == S::Closed)
				gone.push_back(id);
		for (const auto &id : gone)
			forget(id);
		if (linger_running_) {
			ports_.stop_timer(CallTimer::Linger);
			linger_running_ = false;
		}
	} else if (!calls_.empty() && !linger_running_) {
		ports_.start_timer(CallTimer::Linger, t_.linger_ms);
		linger_running_ = true;
	}

	const Call *f = focused();
	if (!f || (f->state == S::Closed && live() > 0)) {
		const Call *best = nullptr;
		auto rank = [](const Call &c) {
			switch (c.state) {
			case S::Incoming:
				return 5;
			case S::Established:
				return 4;
			case S::Dialing:
			case S::RemoteRinging:
			case S::Answering:
			case S::Transferring:
				return 3;
			case S::Held:
				return 2;
			case S::New:
				return 1;
			case S::Closed:
				return 0;
			}
			return 0;
		};
		for (const auto &[id, c] : calls_)
			if (!best || rank(c) > rank(*best) ||
			    (rank(c) == rank(*best) && c.order > best->order))
				best = &c;
		focus_ = best ? best->id : "";
		f = best;
	}
	if (entry_active_ && (!f || (f->state != S::Established && f->state != S::Held))) {
		entry_active_ = false;
		entry_.clear();
	}

	bool need_tick = false;
	for (const auto &[id, c] : calls_)
		need_tick = need_tick || (live_state(c.state) && c.connected_ms != 0);
	if (need_tick && !tick_running_) {
		const uint64_t since = f && f->connected_ms ? now - f->connected_ms : 0;
		ports_.start_timer(CallTimer::Tick, static_cast<unsigned>(1000 - since % 1000));
		tick_running_ = true;
	} else if (!need_tick && tick_running_) {
		ports_.stop_timer(CallTimer::Tick);
		tick_running_ = false;
	}

	const Call *r = nullptr;
	for (const auto &[id, c] : calls_)
		if (c.state == S::Incoming)
			r = &c;
	if (r && t_.no_answer_ms > 0 && no_answer_for_ != r->id) {
		ports_.start_timer(CallTimer::NoAnswer, t_.no_answer_ms);
		no_answer_for_ = r->id;
	} else if (!r && !no_answer_for_.empty()) {
		ports_.stop_timer(CallTimer::NoAnswer);
		no_answer_for_.clear();
	}
}

void Calls::render()
{
	CallScreen now = screen();
	if (now == shown_)
		return;
	shown_ = std::move(now);
	ports_.show(shown_);
}

// ---- inputs ----

bool Calls::on_event(const BaresipEvent &e)
{
	CallEvent ev;
	if (!table_event(e.type, ev))
		return other_call_event(e.type);
	if (!valid_call_id(e.id)) {
		ports_.log_bug("calls: " + e.type + " with no usable Call-ID: dropped");
		return true;
	}
	if (!find(e.id)) {
		if (std::find(ended_.begin(), ended_.end(), e.id) != ended_.end())
			return true; // late news of a call that has ended
		const bool out = e.direction == "outgoing";
		const bool begins =
		    (ev == E::Incoming && !out) ||
		    ((ev == E::LocalSdp || ev == E::Ringing || ev == E::Progress) && out) ||
		    ev == E::Established || ev == E::Closed;
		if (!begins) {
			ports_.log_info("calls: " + e.type + " for an unknown call: dropped");
			return true;
		}
		make(e);
	}
	post(e.id, ev, bounded(e.param, 128));
	run();
	return true;
}

void Calls::on_timer(CallTimer t)
{
	switch (t) {
	case CallTimer::Tick:
		tick_running_ = false; // reconcile() starts the next one
		break;
	case CallTimer::NoAnswer:
		if (!no_answer_for_.empty()) {
			post(no_answer_for_, E::NoAnswer);
			no_answer_for_.clear();
		}
		break;
	case CallTimer::Linger:
		linger_running_ = false;
		if (live() == 0)
			dismiss_closed();
		break;
	}
	run();
}

void Calls::adopt(const BaresipEvent &e)
{
	if (const Call *c = find(e.id)) {
		if (c->state != S::Closed)
			return;
		forget(e.id); // ended here when the link went; baresip kept it
	}
	ended_.erase(std::remove(ended_.begin(), ended_.end(), e.id), ended_.end());
	ports_.log_info("calls: a call found in baresip (" + e.type + ", " + e.direction +
	                "): taken up");
	on_event(e);
}

void Calls::on_service_lost()
{
	lose_calls("");
}

void Calls::on_account_gone(const std::string &aor)
{
	if (!aor.empty())
		lose_calls(aor);
}

void Calls::lose_calls(const std::string &aor)
{
	for (const auto &[id, c] : calls_) {
		if (!live_state(c.state) || (!aor.empty() && c.aor != aor))
			continue;
		if (!aor.empty())
			ports_.log_info("call " + std::to_string(c.line) +
			                ": its account was removed from baresip: ended");
		post(id, E::Lost);
	}
	run();
}

// ---- guards ----

bool Calls::too_many(const Call &c, const Posted &) const
{
	size_t others = 0;
	for (const auto &[id, o] : calls_) {
		if (o.id == c.id || !live_state(o.state))
			continue;
		if (o.state == S::Incoming)
			return true; // one call rings here at a time (see calls.h)
		++others;
	}
	return others + 1 > t_.max_calls;
}

bool Calls::transfer_ok(const Call &, const Posted &p) const
{
	return !p.param.empty() && ports_.transfer_allowed(p.param);
}

bool Calls::was_transfer(const Call &, const Posted &p) const
{
	// baresip 1.0.0 spells it "transfered" (src/call.c).
	return p.param == "Call transfered" || p.param == "Call transferred";
}

// ---- actions ----

void Calls::ring(Call &c, const Posted &)
{
	focus_ = c.id;
	ports_.log_info("call " + std::to_string(c.line) + ": incoming" +
	                (live() > 1 ? " (call waiting)" : ""));
}

void Calls::reject_busy(Call &c, const Posted &)
{
	touch(c);
	ports_.hangup(c.id);
	ports_.log_info("call " + std::to_string(c.line) + ": rejected, " +
	                (ringing() ? "another call rings" : "too many calls"));
	finish(c, tr("Missed call"), true);
}

void Calls::start_outgoing(Call &c, const Posted &)
{
	if (early_for_.empty() && !early_dtmf_.empty())
		early_for_ = c.id; // typed before its first event
	// A new call while another is talking (a BLF key, a number typed
	// while a call is held): the talking one goes on hold, as on any
	// desk phone.
	for (auto &[id, o] : calls_)
		if (o.id != c.id && o.state == S::Established)
			post(id, E::Hold);
	focus_ = c.id;
	if (c.emergency)
		ports_.log_info("call " + std::to_string(c.line) + ": emergency call");
}

void Calls::adopt(Call &c, const Posted &)
{
	// A call already up that we had not seen begin (events lost while
	// ctrl_tcp reconnected).
	c.connected_ms = ports_.now_ms();
	if (!focused())
		focus_ = c.id;
}

void Calls::accept(Call &c, const Posted &)
{
	touch(c);
	ports_.accept(c.id);
	focus_ = c.id;
}

void Calls::connected(Call &c, const Posted &)
{
	c.connected_ms = ports_.now_ms();
	// Keys typed while it was set up go now, in order (never logged).
	if (c.outgoing && early_for_ == c.id) {
		for (const char d : early_dtmf_)
			post(c.id, E::Dtmf, std::string(1, d));
		drop_early_digits();
	}
}

void Calls::reject(Call &c, const Posted &)
{
	touch(c);
	c.rejected = true;
	ports_.hangup(c.id); // baresip 1.0.0 answers 486 Rejected (calls.h)
	finish(c, tr("Rejected"), true);
}

void Calls::give_up(Call &c, const Posted &)
{
	touch(c);
	ports_.hangup(c.id);
	finish(c, tr("Missed call"), true);
}

void Calls::hang_up(Call &c, const Posted &)
{
	touch(c);
	ports_.hangup(c.id);
	finish(c, c.connected_ms || !c.outgoing ? tr("Call ended") : tr("Cancelled"), true);
}

void Calls::ended(Call &c, const Posted &p)
{
	const bool missed = !c.outgoing && !c.connected_ms;
	finish(c, missed ? tr("Missed call") : call_end_text(p.param), true);
}

void Calls::transferred(Call &c, const Posted &)
{
	finish(c, tr("Transferred"), true);
}

void Calls::transfer_failed(Call &c, const Posted &p)
{
	// baresip 1.0.0 drops the call itself (ua.c), with no CALL_CLOSED.
	ports_.log_info("call " + std::to_string(c.line) + ": transfer failed: " + p.param);
	finish(c, tr("Transfer failed"), false);
}

void Calls::lost(Call &c, const Posted &)
{
	finish(c, tr("No service"), false);
}

void Calls::hold(Call &c, const Posted &)
{
	touch(c);
	ports_.hold(c.id);
	c.on_hold = true;
}

void Calls::resume(Call &c, const Posted &)
{
	touch(c);
	ports_.resume(c.id);
	c.on_hold = false;
	focus_ = c.id;
}

void Calls::resumed(Call &c, const Posted &)
{
	c.on_hold = false;
}

void Calls::send_dtmf(Call &c, const Posted &p)
{
	touch(c);
	if (!p.param.empty())
		ports_.send_dtmf(c.id, p.param[0]); // never logged: often a PIN
}

void Calls::toggle_mute(Call &c, const Posted &)
{
	touch(c);
	c.muted = !c.muted;
	ports_.mute(c.id, c.muted);
}

void Calls::start_transfer(Call &c, const Posted &p)
{
	touch(c);
	ports_.transfer(c.id, p.param);
}

void Calls::refuse_transfer(Call &c, const Posted &)
{
	ports_.log_info("call " + std::to_string(c.line) + ": transfer refused by the dial policy");
	message_ = tr("Transfer not allowed");
}

void Calls::referred(Call &c, const Posted &)
{
	ports_.log_info("call " + std::to_string(c.line) + ": the peer transfers this call");
	message_ = tr("Being transferred");
}

// The call has ended: history, and baresip's own resume of a held call
// (ua.c resume_call() after CALL_CLOSED and `hangup`), which Calls mirrors
// and then undoes: a held call stays held until the person resumes it.
void Calls::finish(Call &c, const std::string &text, bool baresip_resumes)
{
	const uint64_t now = ports_.now_ms();
	c.ended_ms = now;
	c.end_text = text;
	if (early_for_ == c.id)
		drop_early_digits(); // never answered: what was typed goes nowhere
	CallRecord r;
	r.kind = c.outgoing       ? CallKind::Dialled
	         : c.connected_ms ? CallKind::Received
	                          : CallKind::Missed;
	r.number = c.number;
	r.name = c.name;
	r.duration_s = c.connected_ms ? (now - c.connected_ms) / 1000 : 0;
	history_.add(std::move(r), !c.rejected);
	if (!baresip_resumes)
		return;
	Call *held = nullptr;
	for (auto &[id, o] : calls_)
		if (o.id != c.id && live_state(o.state) && o.on_hold &&
		    (!held || o.order > held->order))
			held = &o;
	if (held) {
		post(held->id, E::Resumed);
		post(held->id, E::Hold);
	}
}

// ---- queries ----

Calls::Call *Calls::find(const std::string &id)
{
	auto it = calls_.find(id);
	return it == calls_.end() ? nullptr : &it->second;
}

const Calls::Call *Calls::find(const std::string &id) const
{
	auto it = calls_.find(id);
	return it == calls_.end() ? nullptr : &it->second;
}

Calls::Call *Calls::focused()
{
	return find(focus_);
}

const Calls::Call *Calls::focused() const
{
	return find(focus_);
}

Calls::Call *Calls::ringing()
{
	for (auto &[id, c] : calls_)
		if (c.state == S::Incoming)
			return &c;
	return nullptr;
}

Calls::Call *Calls::talking()
{
	Call *f = focused();
	if (f && f->state == S::Established)
		return f;
	Call *best = nullptr;
	for (auto &[id, c] : calls_)
		if (c.state == S::Established && (!best || c.order > best->order))
			best = &c;
	return best;
}

Calls::Call *Calls::next_held(const Call *except)
{
	Call *best = nullptr;
	for (auto &[id, c] : calls_)
		if (&c != except && c.state == S::Held && (!best || c.order < best->order))
			best = &c; // the one held longest
	return best;
}

bool Calls::busy() const
{
	for (const auto &[id, c] : calls_)
		if (live_state(c.state) && c.state != S::Held)
			return true;
	return false;
}

size_t Calls::live() const
{
	size_t n = 0;
	for (const auto &[id, c] : calls_)
		n += live_state(c.state);
	return n;
}

bool Calls::active() const
{
	return live() > 0;
}

bool Calls::emergency_active() const
{
	for (const auto &[id, c] : calls_)
		if (live_state(c.state) && c.emergency)
			return true;
	return false;
}

Calls::Call &Calls::make(const BaresipEvent &e)
{
	Call c;
	c.id = e.id;
	c.outgoing = e.direction == "outgoing";
	c.aor = bounded(e.aor, 256);
	c.number = peer_number(e.peeruri);
	c.name = bounded(e.peername);
	c.emergency = c.outgoing &&
	              std::find(emergency_.begin(), emergency_.end(), c.number) != emergency_.end();
	c.order = ++order_; // baresip appends a new call to the list's tail
	c.line = ++line_;
	ports_.log_info("call " + std::to_string(c.line) + ": " +
	                (c.outgoing ? "outgoing" : "incoming") + ", Call-ID " + c.id);
	return calls_.emplace(c.id, std::move(c)).first->second;
}

void Calls::forget(const std::string &id)
{
	calls_.erase(id);
	ended_.push_back(id);
	while (ended_.size() > 16)
		ended_.pop_front();
	if (focus_ == id)
		focus_.clear();
}

uint64_t Calls::seconds(const Call &c) const
{
	if (!c.connected_ms)
		return 0;
	const uint64_t end = c.ended_ms ? c.ended_ms : ports_.now_ms();
	return end > c.connected_ms ? (end - c.connected_ms) / 1000 : 0;
}

} // namespace hotdesk
