// SPDX-License-Identifier: BSD-3-Clause
// The account line baresip's `uanew` takes, e.g.
//   "Alice Example" <sip:100@pbx:5060>;auth_pass="pw";outbound="sip:sbc:5060";regint=300
// and ;auth_user="a7Xq9" after auth_pass when the digest username is not the
// AOR's user (Identity::auth_user, check_auth_user).
// It carries the SIP password: never log it.
//
// The values must have passed account_values.h (the profile, PBX and config
// readers check them where they enter); account_line() only assembles them.
// The format is baresip 1.0.0's (src/account.c: a SIP address, then
// ";name=value" parameters read by libre's msg_param_decode, which strips
// the quotes of a quoted value).
#pragma once

#include "identity.h"

#include <string>

namespace hotdesk
{

struct AccountOptions {
	unsigned regint = 300;      // seconds between REGISTER refreshes
	std::string outbound_proxy; // "sip:sbc.example.com:5060" or empty (check_outbound)
};

std::string account_line(const Identity &id, const AccountOptions &opt);

} // namespace hotdesk
