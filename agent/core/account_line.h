// SPDX-License-Identifier: BSD-3-Clause
// The account line baresip's `uanew` takes, e.g.
//   "Alice Example" <sip:100@pbx:5060>;auth_pass=pw;outbound="sip:sbc:5060";regint=300
// It carries the SIP password: never log it.
#pragma once

#include "identity.h"

#include <string>

namespace hotdesk
{

struct AccountOptions {
	unsigned regint = 300;      // seconds between REGISTER refreshes
	std::string outbound_proxy; // "sip:sbc.example.com:5060" or empty
};

std::string account_line(const Identity &id, const AccountOptions &opt);

} // namespace hotdesk
