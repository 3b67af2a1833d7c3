// SPDX-License-Identifier: BSD-3-Clause
// The phone's display and message-waiting lamp, composed from the owners
// that have something to say: the call screen while a call is up (or the
// call history while it is browsed), else the session's lines (who is on
// the phone, what to do) with the missed-call and voicemail lines. Softkey
// labels follow what is shown.
#pragma once

#include "../calls/phone_calls.h"
#include "../core/mwi.h"
#include "../core/session.h"

#include "../../platform/display/display.h"
#include "../../platform/leds/led_sink.h"

#include <string>
#include <vector>

namespace hotdesk
{

// Whether the auto-logout countdown may take the screen (and its keys: any
// key to stay, OK or softkey 1 for Stay): over the person's idle screen,
// logged in or without service, never over what they type, a PIN prompt, a
// login under way or a message of the session.
bool countdown_may_show(const Session &session);

class PhoneScreen
{
public:
	PhoneScreen(platform::Display &display, platform::LedSink *leds)
	    : display_(display), leds_(leds)
	{
	}
	// An RFC 3842 summary for the occupant (MWI_NOTIFY): the lamp and a line.
	void set_voicemail(const MwiSummary &m);
	// Logout: the person's voicemail state goes with them.
	void clear_voicemail() { set_voicemail(MwiSummary{}); }
	// A short location for the idle screen, after the pool identity on the
	// first line (issue 16); "" for none.
	void set_location_line(std::string l) { location_ = std::move(l); }
	void draw(const Session &session, const PhoneCalls &calls);
	// A notice over the session's screen (the auto-logout countdown); never
	// over a call. Empty: none. `stay_softkey` labels softkey 1 "Stay".
	void set_notice(std::vector<std::string> lines, bool stay_softkey)
	{
		notice_ = std::move(lines);
		stay_softkey_ = stay_softkey;
	}
	// The call screen changed: while a call rings or talks, and when the
	// last one has ended, it is newer than what the session said so far.
	void calls_changed(const Session &session, const PhoneCalls &calls);
	// Boards without BLF lamps: the idle screen shows the BLF keys' states
	// on a line of their own (blf_states_line()) where the display has room.
	void show_blf_states(bool on) { blf_states_ = on; }

private:
	bool session_first(const Session &session, const PhoneCalls &calls) const;
	platform::Display &display_;
	platform::LedSink *leds_;
	MwiSummary mwi_;
	std::vector<std::string> notice_;
	bool stay_softkey_ = false;
	std::string location_;
	bool blf_states_ = false;
	std::vector<std::string> softkeys_shown_;
	// The session's messages_said() when the call screen last became
	// newer than them.
	uint64_t calls_said_ = 0;
	std::vector<std::string> calls_seen_; // the call screen last shown
};

} // namespace hotdesk
