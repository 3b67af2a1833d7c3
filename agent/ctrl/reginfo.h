// SPDX-License-Identifier: BSD-3-Clause
// Parses the text of baresip's `reginfo` command (menu module, v1.0.0):
//
//   \n--- User Agents (2) ---\n
//   > sip:HD0001@127.0.0.1:5070      \x1b[32mOK \x1b[;m kamailio ... Expires 300s\n
//     sip:100@127.0.0.1:5070         \x1b[33mzzz\x1b[;m  Expires 0s\n
//
// '>' marks the current account. Colour codes are ANSI escapes.
#pragma once

#include <string>
#include <vector>

namespace hotdesk
{

struct UaInfo {
	std::string aor;
	bool current = false;
	bool registered = false;
	unsigned expires_s = 0; // "Expires <n>s": what the registrar granted (0: none)
};

std::vector<UaInfo> parse_reginfo(const std::string &text);

} // namespace hotdesk
