// SPDX-License-Identifier: BSD-3-Clause
// Calls: the call screen, softkeys and the status endpoint's view.
#include "calls.h"

#include "call_text.h"
#include "i18n.h"

#include <algorithm>
#include <string>
#include <vector>

namespace hotdesk
{

using S = CallState;
using E = CallEvent;

std::vector<std::string> CallScreen::labels() const
{
	std::vector<std::string> out;
	for (const auto &k : softkeys)
		out.push_back(k.label);
	return out;
}

bool CallScreen::operator==(const CallScreen &o) const
{
	if (lines != o.lines || softkeys.size() != o.softkeys.size())
		return false;
	for (size_t i = 0; i < softkeys.size(); ++i)
		if (softkeys[i].label != o.softkeys[i].label ||
		    softkeys[i].action != o.softkeys[i].action)
			return false;
	return true;
}

std::string Calls::who(const Call &c) const
{
	if (!c.name.empty())
		return c.name;
	return c.number.empty() ? tr("Unknown") : c.number;
}

std::string Calls::status_of(const Call &c) const
{
	const std::string dur = format_duration(seconds(c));
	switch (c.state) {
	case S::New:
		return "";
	case S::Dialing:
		return c.emergency ? tr("Emergency call") : tr("Calling...");
	case S::RemoteRinging:
		return c.emergency ? tr("Emergency: ringing") : tr("Ringing...");
	case S::Incoming:
		return live() > 1 ? tr("Call waiting") : tr("Incoming call");
	case S::Answering:
		return tr("Answering...");
	case S::Established:
		return two_columns(c.muted ? tr("Connected, muted") : tr("Connected"), dur);
	case S::Held:
		return two_columns(tr("On hold"), dur);
	case S::Transferring:
		return tr("Transferring...");
	case S::Closed:
		return two_columns(c.end_text, c.connected_ms ? dur : "");
	}
	return "";
}

std::vector<CallSoftkey> Calls::softkeys_of(const Call &c) const
{
	using A = CallAction;
	bool other_held = false, other_talking = false;
	for (const auto &[id, o] : calls_)
		if (o.id != c.id) {
			other_held = other_held || o.state == S::Held;
			other_talking = other_talking || o.state == S::Established;
		}
	switch (c.state) {
	case S::Incoming:
		return {{trc("softkey", "Answer"), A::Answer},
		        {trc("softkey", "Reject"), A::Reject}};
	case S::Dialing:
	case S::RemoteRinging:
	case S::Answering:
	case S::Transferring:
		return {{trc("softkey", "End"), A::HangUp}};
	case S::Established:
		return {other_held ? CallSoftkey{trc("softkey", "Swap"), A::Swap}
		                   : CallSoftkey{trc("softkey", "Hold"), A::Hold},
		        {trc("softkey", "Xfer"), A::Transfer},
		        {c.muted ? trc("softkey", "Unmute") : trc("softkey", "Mute"), A::Mute},
		        {trc("softkey", "End"), A::HangUp}};
	case S::Held:
		return {other_talking ? CallSoftkey{trc("softkey", "Swap"), A::Swap}
		                      : CallSoftkey{trc("softkey", "Resume"), A::Resume},
		        {trc("softkey", "Xfer"), A::Transfer},
		        {trc("softkey", "End"), A::HangUp}};
	case S::New:
	case S::Closed:
		return {};
	}
	return {};
}

CallScreen Calls::screen() const
{
	CallScreen s;
	const Call *f = focused();
	if (!f)
		return s;
	s.lines.push_back(who(*f));
	std::vector<const Call *> others;
	for (const auto &[id, c] : calls_)
		if (&c != f && live_state(c.state))
			others.push_back(&c);
	std::sort(others.begin(), others.end(),
	          [](const Call *a, const Call *b) { return a->line < b->line; });
	for (const Call *o : others) {
		// TRANSLATORS: %s is who is on the other line (a name or number).
		s.lines.push_back(o->state == S::Held          ? trf("On hold: %s", {who(*o)})
		                  : o->state == S::Incoming    ? trf("Waiting: %s", {who(*o)})
		                  : o->state == S::Established ? trf("Talking: %s", {who(*o)})
		                                               : trf("Line: %s", {who(*o)}));
	}
	if (entry_active_) {
		// The end of a long number is what the person just typed.
		s.lines.push_back(entry_.size() <= 11
		                      ? trf("Transfer to: %s", {entry_})
		                      : trf("To: ...%s", {entry_.substr(entry_.size() - 17)}));
		s.softkeys = {{trc("softkey", "Xfer"), CallAction::Confirm},
		              {trc("softkey", "Back"), CallAction::Back}};
		return s;
	}
	s.lines.push_back(message_.empty() ? status_of(*f) : message_);
	s.softkeys = softkeys_of(*f);
	return s;
}

std::vector<CallInfo> Calls::calls() const
{
	std::vector<CallInfo> out;
	for (const auto &[id, c] : calls_) {
		CallInfo i;
		i.id = c.id;
		i.state = c.state;
		i.outgoing = c.outgoing;
		i.number = c.number;
		i.name = c.name;
		i.aor = c.aor;
		i.emergency = c.emergency;
		i.muted = c.muted;
		i.focused = c.id == focus_;
		i.duration_s = seconds(c);
		i.end_text = c.end_text;
		out.push_back(std::move(i));
	}
	std::stable_sort(out.begin(), out.end(), [](const CallInfo &a, const CallInfo &b) {
		return a.focused > b.focused;
	});
	return out;
}

} // namespace hotdesk
