// SPDX-License-Identifier: BSD-3-Clause
#include "language.h"

#include <cctype>
#include <utility>

namespace hotdesk
{

namespace
{

std::string lower(const std::string &s)
{
	std::string out;
	for (char c : s)
		out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

// Language names in profiles: Snom's <language> (its web UI's words) and
// Yealink's lang.gui, matched without case. UTF-8 spellings and the ASCII
// ones firmwares use.
// clang-format off
const std::pair<const char *, const char *> kNames[] = {
    {"english", "en"}, {"english(uk)", "en"}, {"english(us)", "en"},
    {"german", "de"},  {"deutsch", "de"},
    {"french", "fr"},  {"français", "fr"},    {"francais", "fr"},
    {"italian", "it"}, {"italiano", "it"},
    {"spanish", "es"}, {"español", "es"},     {"espanol", "es"},
    {"dutch", "nl"},   {"nederlands", "nl"},
    {"polish", "pl"},  {"polski", "pl"},
    {"portuguese", "pt"}, {"portugues", "pt"},
    {"swedish", "sv"}, {"svenska", "sv"},
    {"danish", "da"},  {"dansk", "da"},
    {"czech", "cs"},   {"turkish", "tr"},     {"russian", "ru"},
};
// clang-format on

bool code_like(const std::string &s)
{
	return s.size() >= 2 && s.size() <= 3 && std::isalpha(static_cast<unsigned char>(s[0])) &&
	       std::isalpha(static_cast<unsigned char>(s[1])) &&
	       (s.size() == 2 || std::isalpha(static_cast<unsigned char>(s[2])));
}

} // namespace

std::string language_code(const std::string &name)
{
	std::string s = lower(name);
	while (!s.empty() && s.back() == ' ')
		s.pop_back();
	while (!s.empty() && s.front() == ' ')
		s.erase(0, 1);
	if (s.empty() || s == "c" || s == "posix" || s.rfind("c.", 0) == 0)
		return "";
	for (const auto &[n, code] : kNames)
		if (s == n)
			return code;
	// A locale name: language[_territory][.codeset][@modifier], or a BCP 47
	// tag with '-'.
	const std::string lang = s.substr(0, s.find_first_of("_-.@"));
	if (code_like(lang))
		return lang;
	return s;
}

LanguageChoice choose_language(bool logged_in, const std::string &person, const std::string &device,
                               const std::function<bool(const std::string &)> &available)
{
	LanguageChoice c;
	auto usable = [&](const std::string &code) { return code == "en" || available(code); };
	const std::string dev = language_code(device);
	std::string fallback = "en";
	if (dev.empty())
		c.notes.push_back("the device profile names no language: English");
	else if (!usable(dev))
		c.notes.push_back("no catalog for the device profile's language '" + device +
		                  "': English");
	else
		fallback = dev;
	if (!logged_in) {
		c.code = fallback;
		return c;
	}
	const std::string own = language_code(person);
	if (own.empty()) {
		c.notes.push_back("the person's profile names no language: the device's (" +
		                  fallback + ")");
		c.code = fallback;
	} else if (!usable(own)) {
		c.notes.push_back("no catalog for the person's language '" + person +
		                  "': the device's (" + fallback + ")");
		c.code = fallback;
	} else {
		c.code = own;
	}
	return c;
}

} // namespace hotdesk
