// SPDX-License-Identifier: BSD-3-Clause
#include "reginfo.h"

#include <sstream>

namespace hotdesk
{

namespace
{

std::string strip_ansi(const std::string &s)
{
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
			i += 2;
			while (i < s.size() && !(s[i] >= '@' && s[i] <= '~'))
				++i;
			continue;
		}
		out += s[i];
	}
	return out;
}

} // namespace

std::vector<UaInfo> parse_reginfo(const std::string &text)
{
	std::vector<UaInfo> out;
	std::istringstream in(strip_ansi(text));
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream words(line);
		std::string w;
		UaInfo ua;
		if (!(words >> w))
			continue;
		if (w == ">") {
			ua.current = true;
			if (!(words >> w))
				continue;
		}
		if (w.rfind("sip:", 0) != 0 && w.rfind("sips:", 0) != 0)
			continue;
		ua.aor = w;
		std::string status;
		words >> status;
		ua.registered = status == "OK";
		for (std::string prev; words >> w; prev = w)
			if (prev == "Expires" && w.size() > 1 && w.back() == 's' &&
			    w.find_first_not_of("0123456789") == w.size() - 1 && w.size() <= 10)
				ua.expires_s =
				    static_cast<unsigned>(std::stoul(w.substr(0, w.size() - 1)));
		out.push_back(ua);
	}
	return out;
}

} // namespace hotdesk
