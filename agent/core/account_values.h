// SPDX-License-Identifier: BSD-3-Clause
// The one check of every value that ends up in a baresip account line
// (account_line.h): SIP user, registrar, outbound proxy, password, display
// name, and the extension a person or the pool is known by. Used wherever
// such a value enters: the device and user profiles, the PBX's login answer,
// hotdeskd.conf and its secrets file.
//
// The rules are what baresip 1.0.0 (Debian, on libre 1.1.0) can use, measured
// with `uanew` on a real baresip and kamailio (docs/profile.md, "Account
// values"), not only what RFC 3261 allows. Where one spelling has one
// meaning it is normalised (a scheme-less outbound proxy gets `sip:`);
// everything else is an error.
//
// Errors have an empty `where` (the caller names the element, its line or
// the field) and a `what` that never contains the value of a secret.
#pragma once

#include "error.h"

#include <string>
#include <string_view>

namespace hotdesk
{

// Limits that keep the longest account line under ctrl_tcp's 1023-byte
// command limit (measured: a longer line is answered ok:true but not run).
constexpr size_t kMaxSipUser = 64;
constexpr size_t kMaxAuthUser = 64;
constexpr size_t kMaxRegistrar = 253 + 6; // host name + ":65535"
constexpr size_t kMaxOutbound = 288;      // "sip:" host:port ;transport=tls;lr
constexpr size_t kMaxSipPassword = 128;
constexpr size_t kMaxDisplayName = 64; // bytes, cut at a UTF-8 boundary
constexpr size_t kMaxExtension = 32;

// The user part of the AOR (RFC 3261 unreserved characters and '+'):
// "100", "HD0001", "+4930123". '@', ':', blanks, '%' escapes and the
// characters that end a URI part are errors.
Expected<std::string> check_sip_user(std::string_view user);

// The digest username when it is not the SIP user (RFC 2617 `username`; 3CX's
// "Authentication ID"): 1..64 printable ASCII characters without blanks,
// '"', '\\', ';', '<' or '>' (it goes into the account line's
// `;auth_user="..."` and into a quoted digest field).
Expected<std::string> check_auth_user(std::string_view user);

// The registrar, host[:port]: an IPv4 address, [IPv6] or a DNS name, port
// 1..65535. A leading "sip:" is dropped. URI parameters (";transport=..."),
// paths, headers, a user part and "sips:" are errors: baresip would drop or
// refuse them, or report the account under another AOR than ours.
Expected<std::string> check_registrar(std::string_view registrar);

// The outbound proxy (SBC), normalised to "sip:host[:port][;transport=udp|tcp|tls][;lr]".
// "" stays "" (no proxy). Scheme-less forms as Snom templates write them
// ("127.0.0.1:5070;transport=udp", "127.0.0.1", "[::1]:5070") and "<sip:...>"
// get the scheme; "sips:" is an error (libre 1.1.0 has no sips: route:
// measured REGISTER_FAIL "Function not implemented"), as are other schemes,
// a user part, headers and other URI parameters (baresip would read
// ";name=" inside the value as an account parameter).
Expected<std::string> check_outbound(std::string_view outbound);

// A SIP password: 1..128 bytes, no control character, no '"', no ';' (libre
// reads ";name=" inside any account-line value as a parameter), not ending in
// '\' (it would escape the closing quote). Everything else, blanks and
// non-ASCII included, is carried (account_line quotes it).
Status check_sip_password(std::string_view password);

// The extension a person logs in with or the pool shows ("100", "HD0001"):
// 1..32 letters, digits, '_', '+' or '-' (it also names state files).
Expected<std::string> check_extension(std::string_view ext);

// A display name is decoration: it never fails. Quotes, backslashes and
// control characters become blanks (it goes between quotes in the account
// line) and it is cut to kMaxDisplayName bytes at a UTF-8 boundary.
std::string clean_display_name(std::string_view name);

} // namespace hotdesk
