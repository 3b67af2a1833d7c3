// SPDX-License-Identifier: BSD-3-Clause
// The display's language as the phone's occupant changes (issue 17): the
// device profile's for the pool identity, the person's profile language
// while they are logged in (agent/core/language.h has the rules). Switches
// the installed catalog (agent/core/i18n.h) and logs each choice and each
// fallback once, when it changes, not at every profile re-check.
#pragma once

#include <string>
#include <vector>

namespace hotdesk
{

class DisplayLanguage
{
public:
	// The device profile's `language` (a new device profile).
	void set_device(const std::string &language);
	// Who sits here now: `person_language` is the logged-in person's profile
	// language ("" when their profile names none), ignored for the pool.
	// Returns whether the language in use changed (the screen is redrawn).
	bool follow(bool logged_in, const std::string &person_language);
	// follow() again with what it was last told (after set_device()).
	bool refresh() { return follow(logged_in_, person_); }

private:
	std::string device_ = "en";
	bool logged_in_ = false;
	std::string person_;
	std::vector<std::string> notes_; // the fallbacks last logged
};

} // namespace hotdesk
