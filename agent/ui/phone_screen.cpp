// SPDX-License-Identifier: BSD-3-Clause
#include "phone_screen.h"

#include "../core/i18n.h"

namespace hotdesk
{

void PhoneScreen::set_voicemail(const MwiSummary &m)
{
	mwi_ = m;
	if (leds_)
		leds_->set("mwi", mwi_.lamp() ? Lamp::On : Lamp::Off);
}

// Who has the screen. A call that rings or talks keeps it. Otherwise the
// session's screen goes first while the person types to it over calls
// that are only held (a number, a login: dial keys are the session's
// then) or runs that login, and while it says something newer than the
// call screen: a login's verdict over a held call or an ended one, but
// not `Calling 101` over that call's `Busy`.
bool countdown_may_show(const Session &session)
{
	const State s = session.state();
	return (s == State::LoggedIn || s == State::Error) && !session.saying();
}

bool PhoneScreen::session_first(const Session &session, const PhoneCalls &calls) const
{
	const bool newer = session.saying() && session.messages_said() != calls_said_;
	if (!calls.active())
		return newer;
	if (calls.busy())
		return false;
	const State s = session.state();
	return newer || s == State::Collecting || s == State::PinEntry ||
	       (s == State::LoggingIn && session.pending_change().empty());
}

// Only a real change counts: the same "Call ended" drawn again after the
// last call's end ran a deferred logout must not hide "Logged out".
void PhoneScreen::calls_changed(const Session &session, const PhoneCalls &calls)
{
	std::vector<std::string> now = calls.lines();
	if (now != calls_seen_ && (calls.busy() || !calls.active()))
		calls_said_ = session.messages_said();
	calls_seen_ = std::move(now);
}

void PhoneScreen::draw(const Session &session, const PhoneCalls &calls)
{
	std::vector<std::string> lines;
	if (!session_first(session, calls))
		lines = calls.lines();
	std::vector<std::string> softkeys;
	if (!lines.empty()) {
		softkeys = calls.softkey_labels();
		const std::string pending = session.pending_change();
		if (!pending.empty())
			lines.insert(lines.begin() + 1, pending == "logout"
			                                    ? tr("Logout after the call")
			                                    : tr("Login after the call"));
	} else if (!notice_.empty() && countdown_may_show(session)) {
		lines = notice_;
		if (stay_softkey_)
			softkeys = {trc("softkey", "Stay")};
	} else {
		lines = session.display_lines();
		// Where the desk is, beside the pool identity on the first line: a
		// two-line display has no room for a line of its own.
		if (!location_.empty() && session.state() == State::Idle && !lines.empty())
			lines[0] += " - " + location_;
		softkeys = session.key_layout().softkey_labels();
		if (blf_states_) {
			std::string blf = blf_states_line(session.key_layout());
			if (!blf.empty() && display_.lines() > lines.size())
				lines.push_back(std::move(blf));
		}
		const std::string missed = calls.history().idle_line();
		if (!missed.empty())
			lines.push_back(missed);
		if (mwi_.lamp())
			lines.push_back(mwi_line(mwi_));
	}
	if (softkeys != softkeys_shown_) {
		softkeys_shown_ = softkeys;
		display_.set_softkeys(softkeys);
	}
	display_.render(lines);
}

} // namespace hotdesk
