// SPDX-License-Identifier: BSD-3-Clause
// The calls baresip already carries when hotdeskd connects to it (after a
// restart of hotdeskd, or a lost ctrl_tcp link): hotdeskd learns calls from
// their events, so it asks baresip for each account's calls (`uafind AOR`,
// then `line N` and `callstat` for every line) and adopts what it finds.
//
// The format read is baresip 1.0.0's `callstat` (src/call.c call_debug):
//   ===== Call debug (ESTABLISHED) =====
//    local_uri: Alice Example <sip:100@127.0.0.1:5070>
//    peer_uri:  Bob <sip:101@127.0.0.1:5070>
//    af=AF_INET id=bde9023005258faf
//    direction: Outgoing
//   ...SDP...
// local_uri is the account's AOR; id is the SIP Call-ID the call's events
// carry. Anything else (no call: "(no active call)", a garbled answer)
// gives nullopt.
#pragma once

#include "calls.h"

#include <optional>
#include <string>

namespace hotdesk
{

// The event that stands for the call as `callstat` shows it, as if baresip
// had just sent it: CALL_ESTABLISHED for an answered call, CALL_INCOMING for
// an incoming one still ringing, CALL_RINGING (outgoing) for one ringing out.
// nullopt for other states (being set up, ending) and for unusable text.
std::optional<BaresipEvent> call_from_callstat(const std::string &text);

} // namespace hotdesk
