// SPDX-License-Identifier: BSD-3-Clause
// Message waiting: the RFC 3842 message-summary body of a SIP NOTIFY.
// baresip 1.0.0's mwi module puts the NOTIFY body, as received, in the
// MWI_NOTIFY event's param (modules/mwi/mwi.c: ua_event(..., "%b", body));
// ua_event formats into 256 bytes, so a long body arrives cut off.
//
//   Messages-Waiting: yes
//   Message-Account: sip:100@pbx.example.com
//   Voice-Message: 2/8 (0/2)
//
// Header names are case-insensitive; lines end in CRLF (LF accepted).
// Messages-Waiting is required; Voice-Message ("new/old" and optionally
// "(urgent-new/urgent-old)") is optional; other message classes (fax,
// pager, ...) and anything after the first empty line (optional message
// headers) are ignored. A line that does not parse is skipped, so a body
// cut off mid-line still gives what it carries.
#pragma once

#include "error.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace hotdesk
{

struct MwiSummary {
	bool waiting = false;
	unsigned new_msgs = 0; // Voice-Message counts, each at most kMwiMaxCount
	unsigned old_msgs = 0;
	unsigned urgent_new = 0;
	unsigned urgent_old = 0;
	std::string account; // Message-Account, may be empty (at most 256 bytes)

	// The board's mwi lamp.
	bool lamp() const { return waiting || new_msgs > 0; }
};

constexpr unsigned kMwiMaxCount = 999999;
constexpr size_t kMwiMaxBody = 4096;

// Errors ("mwi", what): an empty or over-long body, no Messages-Waiting
// line, or a Messages-Waiting value other than yes/no. Never throws.
Expected<MwiSummary> parse_mwi(std::string_view body);

// The idle display's line: "1 new voicemail", "2 new voicemails",
// "Voicemail waiting" (waiting without counts), or "" when nothing waits.
std::string mwi_line(const MwiSummary &m);

} // namespace hotdesk
