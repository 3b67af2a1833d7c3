// SPDX-License-Identifier: BSD-3-Clause
// Small text helpers shared by the config and profile readers.
#pragma once

#include <string>
#include <vector>

namespace hotdesk
{

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
