// SPDX-License-Identifier: BSD-3-Clause
#include "phone_screen.h"

namespace hotdesk
{

void PhoneScreen::set_voicemail(const MwiSummary &m)
{
	mwi_ = m;
	if (leds_)
		leds_->set("mwi", mwi_.lamp() ? Lamp::On : Lamp::Off);
}

void PhoneScreen::draw(const Session &session, const PhoneCalls &calls)
{
	std::vector<std::string> lines;
	// A call that has ended lingers on the screen, but a newer message
	// from the session (a login's verdict) takes its place.
	if (calls.active() || !session.saying())
		lines = calls.lines();
	std::vector<std::string> softkeys;
	if (!lines.empty()) {
		softkeys = calls.softkey_labels();
		const std::string pending = session.pending_change();
		if (!pending.empty())
			lines.insert(lines.begin() + 1, pending == "logout"
			                                    ? "Logout after the call"
			                                    : "Login after the call");
	} else {
		lines = session.display_lines();
		softkeys = session.key_layout().softkey_labels();
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
