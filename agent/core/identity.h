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
	// The digest username when the PBX gives one other than sip_user (3CX's
	// "Authentication ID", Yealink's account.1.auth_name); empty: sip_user.
	// Last, with an initializer: brace-initialised identities stay as they are.
	std::string auth_user = {};

	// "sip:100@127.0.0.1:5070", as baresip reports it in events.
	std::string aor() const { return "sip:" + sip_user + "@" + domain; }
	// The username the registrar's digest challenge is answered with.
	const std::string &auth_name() const { return auth_user.empty() ? sip_user : auth_user; }
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
