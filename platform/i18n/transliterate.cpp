// SPDX-License-Identifier: BSD-3-Clause
#include "transliterate.h"

#include "../../agent/core/log.h"
#include "../display/text_layout.h"

#include <cerrno>
#include <iconv.h>
#include <locale.h>
#include <map>

namespace hotdesk::platform
{

namespace
{

struct CtypeLocale {
	locale_t loc = nullptr; // nullptr: the C locale
	std::string name = "C";
};

// One LC_CTYPE locale per display language, made once and kept (a handful
// at most) for the life of the process; freed at its end.
struct Made {
	std::map<std::string, CtypeLocale> by_lang;
	~Made()
	{
		for (auto &entry : by_lang)
			if (entry.second.loc)
				::freelocale(entry.second.loc);
	}
};

const CtypeLocale &ctype_for(const std::string &lang)
{
	static Made cache;
	auto &made = cache.by_lang;
	auto it = made.find(lang);
	if (it != made.end())
		return it->second;
	CtypeLocale c;
	std::string own;
	if (lang.size() == 2) {
		own = lang + "_";
		for (char ch : lang)
			own += static_cast<char>(ch - 'a' + 'A');
		own += ".UTF-8";
	}
	for (const std::string &name : {own, std::string("C.UTF-8")}) {
		if (name.empty())
			continue;
		if (locale_t l = ::newlocale(LC_CTYPE_MASK, name.c_str(), nullptr)) {
			c.loc = l;
			c.name = name;
			break;
		}
	}
	log_info("display: transliteration for '" + lang + "' under " + c.name +
	         " (ASCII-only display)");
	return made.emplace(lang, c).first->second;
}

} // namespace

std::string transliteration_locale(const std::string &lang)
{
	return ctype_for(lang).name;
}

std::string to_ascii(const std::string &utf8, const std::string &lang)
{
	const std::string in = sanitize_utf8(utf8);
	bool ascii = true;
	for (char c : in)
		ascii = ascii && static_cast<unsigned char>(c) < 0x80;
	if (ascii)
		return in;
	const CtypeLocale &ct = ctype_for(lang);
	const locale_t old = ct.loc ? ::uselocale(ct.loc) : nullptr;
	std::string out;
	iconv_t cd = ::iconv_open("ASCII//TRANSLIT", "UTF-8");
	if (cd == reinterpret_cast<iconv_t>(-1)) {
		for (char c : in)
			out += static_cast<unsigned char>(c) < 0x80 ? c : '?';
	} else {
		char *src = const_cast<char *>(in.data());
		size_t left = in.size();
		char buf[256];
		while (left > 0) {
			char *dst = buf;
			size_t room = sizeof buf;
			const size_t r = ::iconv(cd, &src, &left, &dst, &room);
			out.append(buf, static_cast<size_t>(dst - buf));
			if (r != static_cast<size_t>(-1) || errno == E2BIG)
				continue;
			// EILSEQ, EINVAL: cannot happen on sanitized UTF-8; never loop.
			out += '?';
			++src;
			--left;
		}
		::iconv_close(cd);
	}
	if (ct.loc)
		::uselocale(old);
	for (char &c : out)
		if (static_cast<unsigned char>(c) >= 0x80)
			c = '?';
	return out;
}

} // namespace hotdesk::platform
