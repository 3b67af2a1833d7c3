// SPDX-License-Identifier: BSD-3-Clause
// The phone's side of the PBX hot-desking protocol (docs/protocol.md):
// building request bodies and judging responses. No I/O here.
#pragma once

#include "../core/error.h"
#include "../core/session.h"

#include <string>

namespace hotdesk
{

Expected<std::string> pbx_login_body(const std::string &ext, const std::string &pin);
Expected<std::string> pbx_logout_body(const std::string &ext);

// A response to POST .../login. Anything malformed is Failed with a reason;
// the SIP fields of an accepted user are checked so that they cannot break
// out of baresip's account line.
LoginResult pbx_parse_login(long http_status, const std::string &body);

// Characters we allow in fields that go into a baresip account line.
bool safe_account_field(const std::string &s, bool is_secret);

// A display name goes into the account line between quotes: quotes,
// backslashes and control characters become blanks.
std::string safe_display_name(std::string name);

} // namespace hotdesk
