// SPDX-License-Identifier: BSD-3-Clause
#include "gettext_catalog.h"

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <libintl.h>
#include <sys/stat.h>

namespace hotdesk::platform
{

namespace
{

// A catalog's directory name: an ISO 639 code, nothing a path could use.
bool plain_code(const std::string &code)
{
	if (code.size() < 2 || code.size() > 3)
		return false;
	for (char c : code)
		if (c < 'a' || c > 'z')
			return false;
	return true;
}

// LC_MESSAGES that is not C, so that gettext reads LANGUAGE: C.UTF-8
// (Debian's libc-bin ships it; glibc 2.35+ knows the name), else whatever
// the environment names (LC_ALL, LC_MESSAGES, LANG) if it is installed.
std::string set_messages_locale()
{
	for (const char *name : {"C.UTF-8", "C.utf8", ""}) {
		const char *got = std::setlocale(LC_MESSAGES, name);
		if (got && std::strcmp(got, "C") != 0 && std::strcmp(got, "POSIX") != 0)
			return got;
	}
	std::setlocale(LC_MESSAGES, "C");
	return "C";
}

} // namespace

std::unique_ptr<GettextCatalog> GettextCatalog::open(GettextOptions o,
                                                     std::vector<std::string> &notes)
{
	std::unique_ptr<GettextCatalog> c(new GettextCatalog(std::move(o)));
	c->messages_locale_ = set_messages_locale();
	c->working_ = c->messages_locale_ != "C";
	if (!c->working_)
		notes.push_back(
		    "no LC_MESSAGES locale but C here (glibc ignores LANGUAGE under C): "
		    "the display stays English; the image needs "
		    "/usr/lib/locale/C.utf8/LC_MESSAGES (docs/i18n.md)");
	::bindtextdomain(c->o_.domain.c_str(), c->o_.locale_dir.c_str());
	::bind_textdomain_codeset(c->o_.domain.c_str(), "UTF-8");
	// libc's messages (strerror in the log) stay English: no catalog there.
	::bindtextdomain("libc", "/nonexistent/hotdesk-no-catalogs");
	// Set now, while hotdeskd has one thread: later changes replace the value.
	::setenv("LANGUAGE", "en", 1);
	::textdomain(::textdomain(nullptr));
	return c;
}

std::string GettextCatalog::text(const char *msgid) const
{
	return ::dgettext(o_.domain.c_str(), msgid);
}

// pgettext as gnulib's gettext.h defines it: the key is context EOT msgid;
// an untranslated text comes back as the key itself.
std::string GettextCatalog::text_in(const char *context, const char *msgid) const
{
	const std::string key = std::string(context) + '\x04' + msgid;
	const char *got = ::dgettext(o_.domain.c_str(), key.c_str());
	return got == key.c_str() || key == got ? msgid : got;
}

std::string GettextCatalog::plural(const char *msgid, const char *msgid_plural,
                                   unsigned long n) const
{
	return ::dngettext(o_.domain.c_str(), msgid, msgid_plural, n);
}

bool GettextCatalog::has_language(const std::string &code) const
{
	if (code == "en")
		return true;
	if (!working_ || !plain_code(code))
		return false;
	struct stat st {
	};
	const std::string mo = o_.locale_dir + "/" + code + "/LC_MESSAGES/" + o_.domain + ".mo";
	return ::stat(mo.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool GettextCatalog::use_language(const std::string &code)
{
	if (!has_language(code))
		return false;
	if (code == language_)
		return true;
	::setenv("LANGUAGE", code.c_str(), 1);
	::textdomain(::textdomain(nullptr)); // glibc's catalog counter: no stale cache
	language_ = code;
	return true;
}

} // namespace hotdesk::platform
