// SPDX-License-Identifier: BSD-3-Clause
// Who the phone is registered as: the pool extension or a person.
#pragma once

#include "text.h"

#include <string>

namespace hotdesk
{

struct Identity {
	bool pool = true;
	std::string ext;          // "HD0001" or "100"
	std::string name;         // display name, may be empty
	std::string sip_user;     // SIP user part
	std::string sip_password; // secret: never logged
	std::string domain;       // registrar host[:port]

	// "sip:100@127.0.0.1:5070", as baresip reports it in events.
	std::string aor() const { return "sip:" + sip_user + "@" + domain; }
	// What the display's first line shows.
	std::string label() const { return name.empty() || pool ? ext : ext + " " + name; }
	// Overwrites the secret before freeing it, so a logged-out user's
	// password does not linger in this object.
	void wipe();
};

inline void Identity::wipe()
{
	wipe_secret(sip_password);
}

} // namespace hotdesk
