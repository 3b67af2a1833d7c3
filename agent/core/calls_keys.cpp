// SPDX-License-Identifier: BSD-3-Clause
// Calls: what the person's keys and softkeys do, and the order in which
// several calls are told (docs/calls.md has the key map).
#include "calls.h"

#include "call_text.h"
#include "text.h"

#include <algorithm>
#include <string>
#include <vector>

namespace hotdesk
{

using S = CallState;
using E = CallEvent;

bool Calls::on_key(const Key &k)
{
	message_.clear();
	if (live() == 0)
		dismiss_closed(); // any key puts "Busy" / "Call ended" away
	bool mine = true;
	switch (k.kind) {
	case KeyKind::HookOff:
		off_hook_ = true;
		if (ringing() && !talking())
			answer_ringing();
		break;
	case KeyKind::HookOn:
		off_hook_ = false;
		entry_active_ = false;
		entry_.clear();
		hang_up_talking();
		break;
	case KeyKind::Headset:
		if (ringing() && !talking()) {
			off_hook_ = true;
			answer_ringing();
		} else if (live() == 0) {
			off_hook_ = !off_hook_;
		}
		break;
	default:
		mine = live() > 0 && in_call_key(k);
		break;
	}
	run();
	return mine;
}

// A key other than the hook while a call is up.
bool Calls::in_call_key(const Key &k)
{
	if (k.kind == KeyKind::Softkey) {
		const auto keys = screen().softkeys;
		if (k.index >= 1 && static_cast<size_t>(k.index) <= keys.size())
			do_act(keys[static_cast<size_t>(k.index) - 1].action);
		return true;
	}
	if (entry_active_) {
		switch (k.kind) {
		case KeyKind::Digit:
		case KeyKind::Star:
			if (entry_.size() < 32)
				entry_ += k.kind == KeyKind::Star ? '*' : k.digit;
			break;
		case KeyKind::Hash:
		case KeyKind::Send:
		case KeyKind::Ok:
			do_act(CallAction::Confirm);
			break;
		case KeyKind::Cancel:
			do_act(CallAction::Back);
			break;
		default:
			break;
		}
		return true;
	}
	switch (k.kind) {
	case KeyKind::Digit:
	case KeyKind::Star:
	case KeyKind::Hash:
		// In a call, every dial key is DTMF: never a feature code.
		if (Call *t = talking()) {
			const char d = k.kind == KeyKind::Digit  ? k.digit
			               : k.kind == KeyKind::Star ? '*'
			                                         : '#';
			post(t->id, E::Dtmf, std::string(1, d));
			return true;
		}
		if (const Call *f = focused();
		    f && f->outgoing && (f->state == S::Dialing || f->state == S::RemoteRinging)) {
			if (early_for_ != f->id)
				drop_early_digits(); // typed for another call before
			early_for_ = f->id;
			early_digit(k.kind == KeyKind::Digit  ? k.digit
			            : k.kind == KeyKind::Star ? '*'
			                                      : '#');
			return true;
		}
		return busy();
	case KeyKind::Send:
	case KeyKind::Ok:
		if (ringing()) {
			answer_ringing();
			return true;
		}
		if (k.kind == KeyKind::Ok && focused() && focused()->state == S::Held) {
			resume_focused();
			return true;
		}
		return busy();
	case KeyKind::Cancel:
		if (!busy())
			return false; // only held calls: cancel is the session's
		hang_up_focused();
		return true;
	case KeyKind::Up:
	case KeyKind::Down:
		if (live() >= 2) {
			cycle_focus();
			return true;
		}
		return busy();
	case KeyKind::Left:
	case KeyKind::Right:
		return busy();
	case KeyKind::Blf:
	case KeyKind::Page:
	case KeyKind::Softkey:
	case KeyKind::HookOff:
	case KeyKind::HookOn:
	case KeyKind::Headset:
		return false;
	}
	return false;
}

void Calls::early_digit(char d)
{
	if (early_dtmf_.size() < 32)
		early_dtmf_ += d;
	for (const auto &n : emergency_)
		if (early_dtmf_ == n) {
			early_emergency_ = n;
			drop_early_digits();
			return;
		}
}

std::string Calls::take_early_emergency()
{
	std::string n;
	n.swap(early_emergency_);
	return n;
}

void Calls::drop_early_digits()
{
	wipe_secret(early_dtmf_);
	early_for_.clear();
}

void Calls::act(CallAction a)
{
	message_.clear();
	do_act(a);
	run();
}

void Calls::do_act(CallAction a)
{
	Call *f = focused();
	const bool f_live = f && live_state(f->state);
	switch (a) {
	case CallAction::Answer:
		answer_ringing();
		return;
	case CallAction::Reject:
		if (Call *r = ringing())
			post(r->id, E::HangUp);
		return;
	case CallAction::HangUp:
		hang_up_focused();
		return;
	case CallAction::Hold:
		if (f_live)
			post(f->id, E::Hold);
		return;
	case CallAction::Resume:
		resume_focused();
		return;
	case CallAction::Swap:
		swap();
		return;
	case CallAction::Transfer:
		if (f && (f->state == S::Established || f->state == S::Held)) {
			entry_active_ = true;
			entry_.clear();
		}
		return;
	case CallAction::Mute:
		if (f_live)
			post(f->id, E::Mute);
		return;
	case CallAction::Confirm:
		if (entry_active_ && f && !entry_.empty())
			post(f->id, E::BlindTransfer, entry_);
		entry_active_ = false;
		entry_.clear();
		return;
	case CallAction::Back:
		entry_active_ = false;
		entry_.clear();
		return;
	}
}

void Calls::transfer(const std::string &number)
{
	message_.clear();
	if (Call *f = focused())
		post(f->id, E::BlindTransfer, bounded(number, 32));
	run();
}

// ---- orchestration over several calls ----

void Calls::answer_ringing()
{
	Call *r = ringing();
	if (!r)
		return;
	// baresip's `accept` holds the previous call first and fails if it
	// cannot (ua_hold_answer): hold the talking calls ourselves, and end
	// our unanswered outgoing calls, which cannot be held.
	for (auto &[id, c] : calls_) {
		if (c.id == r->id)
			continue;
		if (c.state == S::Established)
			post(id, E::Hold);
		else if (c.state == S::Dialing || c.state == S::RemoteRinging)
			post(id, E::HangUp);
	}
	post(r->id, E::Answer);
	focus_ = r->id;
}

void Calls::resume_focused()
{
	Call *f = focused();
	if (!f || f->state != S::Held)
		return;
	for (auto &[id, c] : calls_)
		if (c.id != f->id && c.state == S::Established)
			post(id, E::Hold);
	post(f->id, E::Resume);
}

void Calls::swap()
{
	Call *f = focused();
	if (!f)
		return;
	if (f->state == S::Held) {
		resume_focused();
		return;
	}
	if (f->state != S::Established)
		return;
	Call *o = next_held(f);
	post(f->id, E::Hold);
	if (o) {
		post(o->id, E::Resume);
		focus_ = o->id;
	}
}

void Calls::hang_up_focused()
{
	Call *f = focused();
	if (f && live_state(f->state))
		post(f->id, E::HangUp);
}

// The handset goes down: end the call the person talks in (or the one
// being set up); a call ringing here rings on, held calls stay held.
void Calls::hang_up_talking()
{
	if (Call *t = talking()) {
		post(t->id, E::HangUp);
		return;
	}
	Call *f = focused();
	if (f && (f->state == S::Dialing || f->state == S::RemoteRinging ||
	          f->state == S::Answering || f->state == S::Transferring))
		post(f->id, E::HangUp);
}

void Calls::cycle_focus()
{
	std::vector<const Call *> order;
	for (const auto &[id, c] : calls_)
		if (live_state(c.state))
			order.push_back(&c);
	std::sort(order.begin(), order.end(),
	          [](const Call *a, const Call *b) { return a->line < b->line; });
	for (size_t i = 0; i < order.size(); ++i)
		if (order[i]->id == focus_) {
			focus_ = order[(i + 1) % order.size()]->id;
			return;
		}
	if (!order.empty())
		focus_ = order.front()->id;
}

void Calls::dismiss_closed()
{
	std::vector<std::string> gone;
	for (const auto &[id, c] : calls_)
		if (c.state == S::Closed)
			gone.push_back(id);
	for (const auto &id : gone)
		forget(id);
	if (linger_running_ && calls_.empty()) {
		ports_.stop_timer(CallTimer::Linger);
		linger_running_ = false;
	}
}

} // namespace hotdesk
