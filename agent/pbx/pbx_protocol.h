// SPDX-License-Identifier: BSD-3-Clause
// The phone's side of the PBX hot-desking protocol (docs/protocol.md):
// building request bodies and judging responses. No I/O here.
#pragma once

#include "../core/error.h"
#include "../core/session.h"

#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

Expected<std::string> pbx_login_body(const std::string &ext, const std::string &pin);
// {"ext":"100"} or, with a reason (user, pbx, idle, max_session, daily),
// {"ext":"100","reason":"idle"} (docs/protocol.md).
Expected<std::string> pbx_logout_body(const std::string &ext, const std::string &reason = "");
// POST .../resume: {"ext":"<ext>"}, the same shape as a logout.
Expected<std::string> pbx_resume_body(const std::string &ext);

// The machine reason of a login the PBX accepted (HTTP 200, "ok") but whose
// user the phone cannot use: one of the SIP fields of its `user` object
// fails agent/core/account_values.h, or the user profile is not a profile.
// (An answer without a `user` object at all is Failed, as broken.) The result is Refused with
// reason "bad_profile: <what>" (never a secret in <what>), shown as "Bad profile from PBX"; the PBX
// believes the person is logged in here, so PbxClient logs them out again.
constexpr std::string_view kBadProfile = "bad_profile";
bool is_bad_profile(const std::string &reason);

// A response to POST .../login. Accepted, Refused with the PBX's reason (or
// bad_profile, above), or Failed with a reason for anything else malformed.
// Decoration the user profile carried that was dropped (e.g. a BLF key that
// cannot be a key) does not fail the login: it is added to `warnings` (when
// given) for the log.
LoginResult pbx_parse_login(long http_status, const std::string &body,
                            std::vector<std::string> *warnings = nullptr);

// A response to POST .../resume (docs/protocol.md "Resume after a restart"):
// Accepted (HTTP 200, "ok": the person may be claimed here; no user object,
// the phone has the account from its state directory), Refused with the
// PBX's reason ("moved": the person's newest login is on another phone), or
// Failed for anything else (5xx, not JSON): the PBX did not answer the
// question.
LoginResult pbx_parse_resume(long http_status, const std::string &body);

// POST .../resume after the phone lost its state (docs/protocol.md "Resume
// after a restart", lost state): {"lost":true}, no extension.
std::string pbx_lost_body();

// The answer to it: Accepted with the person's account and profile exactly
// as a login answer carries them (pbx_parse_login(), bad_profile included)
// when the PBX has a person sitting at this device; Refused with reason
// kNobodyHere for {"result":"none"}; Refused with the PBX's reason for a 4xx
// refusal, and with "HTTP <code>, ..." for any other 4xx but 408 and 429 (an
// older PBX that does not know the question answers a bare 400: asking again
// would never end); Failed when the PBX did not answer the question (5xx,
// 408, 429, a 2xx or 3xx not JSON, no or a mismatched top-level "ext"): the
// phone asks again later. `ext` (when given) receives the
// top-level "ext" of an "ok" answer, also when its user is unusable, so that
// the phone can tell the PBX the person is not here after all.
constexpr std::string_view kNobodyHere = "none";
LoginResult pbx_parse_lost(long http_status, const std::string &body, std::string *ext = nullptr,
                           std::vector<std::string> *warnings = nullptr);

} // namespace hotdesk
