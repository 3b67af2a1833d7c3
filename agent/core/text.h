// SPDX-License-Identifier: BSD-3-Clause
// Small text helpers shared by the readers and the owners of secrets.
#pragma once

#include <string>
#include <vector>

namespace hotdesk
{

// Overwrites a secret (PIN, SIP password, a buffer that held one) before
// its memory is freed, then frees it.
inline void wipe_secret(std::string &s)
{
	volatile char *p = s.empty() ? nullptr : &s[0];
	for (size_t i = 0; i < s.size(); ++i)
		p[i] = '\0';
	s.clear();
	s.shrink_to_fit();
}

// "112, 911,933" -> {"112", "911", "933"}: commas and blanks separate.
inline std::vector<std::string> split_list(const std::string &s)
{
	std::vector<std::string> out;
	std::string cur;
	for (char c : s + ",") {
		if (c == ',' || c == ' ') {
			if (!cur.empty())
				out.push_back(cur);
			cur.clear();
		} else {
			cur += c;
		}
	}
	return out;
}

} // namespace hotdesk
