// SPDX-License-Identifier: BSD-3-Clause
// Words and lines for the call screen, from what baresip 1.0.0 reports.
// Pure and bounded: every input may come from the network (a peer's URI
// and display name, a SIP reason phrase), none is trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hotdesk
{

// Longest text kept from the network, in bytes (a display has 24 columns;
// logs and the status endpoint need no more).
constexpr size_t kMaxPeerText = 64;

// A call's running duration: "00:07", "12:34", past an hour "1:02:03".
std::string format_duration(uint64_t seconds);

// The number to show for a peer URI: its user part. baresip reports
// "sip:200@127.0.0.1:5070" (src/event.c, call_peeruri); also accepted:
// "<sips:...>", "tel:+4930...", params after ';'. A URI without a user
// part gives its host. At most kMaxPeerText bytes; "" for "".
std::string peer_number(std::string_view uri);

// What a person reads when a call ends, from CALL_CLOSED's param. baresip
// 1.0.0 puts there (src/call.c, src/ua.c):
//   "<code> <phrase>"            a final SIP response ("486 Busy Here")
//   "Connection reset by peer"   the peer hung up (BYE, or CANCEL of an
//                                incoming call): strerror(ECONNRESET)
//   "Connection reset by user"   we hung up (ua_hangup without a reason)
//   "Local timeout"              no final answer within call local_timeout
//   "Call transfered"            our blind transfer succeeded (sic)
//   other texts                  media/codec failures ("No audio codecs")
// Mapped: 486/600 "Busy", 404/604 "Not found", 480 "Unavailable",
// 603 "Declined", 408 and a local timeout "No answer", 487 "Cancelled",
// a reset "Call ended", the transfer "Transferred"; any other status
// "Failed: <phrase>" (or "Failed: <code>"), any other text "Failed: <text>".
std::string call_end_text(std::string_view param);

// The SIP status code at the start of `param` ("486 Busy Here" -> 486),
// 0 when it does not start with three digits and a space or its end.
int call_end_status(std::string_view param);

// A SIP Call-ID as RFC 3261 (25.1) allows it: word ["@" word], at most 256
// bytes. Checked before an id goes into a ctrl_tcp command line
// (`callfind <id>`), so no event can smuggle a second command in.
bool valid_call_id(std::string_view id);

// `left` and `right` on one line of `width` columns, `right` flush right:
// ("Connected", "01:23", 24) -> "Connected          01:23". `left` is cut
// (on a UTF-8 character boundary) when both do not fit; `right` is
// expected to be short ASCII. With no `right`, `left` as it is (the display
// shortens a long line, ending it in an ellipsis).
std::string two_columns(const std::string &left, const std::string &right, size_t width = 24);

// `s` cut to at most `max` bytes on a UTF-8 character boundary, control
// characters replaced by spaces.
std::string bounded(std::string_view s, size_t max = kMaxPeerText);

} // namespace hotdesk
