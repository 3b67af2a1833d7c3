// SPDX-License-Identifier: BSD-3-Clause
// The display's catalogs through glibc's gettext (agent/core/i18n.h's
// Catalog): <locale_dir>/<code>/LC_MESSAGES/hotdesk.mo, built by msgfmt
// from po/<code>.po and installed by CMake. No catalog format of our own.
//
// How glibc picks a catalog, and what this class does about it (measured
// on Debian bookworm's glibc 2.36, host and the QEMU phone; docs/i18n.md):
// - Under the C (or POSIX) LC_MESSAGES locale gettext ignores LANGUAGE and
//   loads no catalog. hotdeskd sets LC_MESSAGES (only that category) to
//   C.UTF-8, which needs /usr/lib/locale/C.utf8/LC_MESSAGES (48 bytes).
//   Without it the display stays English and open() says so.
// - The language is then LANGUAGE's, set with setenv() on hotdeskd's one
//   thread: first at open(), before any other thread exists, so later
//   changes only replace the value (glibc's setenv then leaves the
//   environment array where it is and never frees a value it set).
//   gettext caches translations: a change is made visible by
//   textdomain(textdomain(NULL)), which bumps glibc's catalog counter.
// - Translations are returned in UTF-8 whatever LC_CTYPE is
//   (bind_textdomain_codeset); without it glibc converts them to the C
//   locale's ASCII and an umlaut becomes '?'.
// - libc's own messages (strerror) follow LANGUAGE too where the image has
//   libc-l10n: their domain is bound to an empty directory, so hotdeskd's
//   log stays English whatever the display speaks.
#pragma once

#include "../../agent/core/i18n.h"

#include <memory>
#include <string>
#include <vector>

namespace hotdesk::platform
{

struct GettextOptions {
	std::string locale_dir; // <prefix>/share/locale (config locale_dir)
	std::string domain = "hotdesk";
};

class GettextCatalog : public Catalog
{
public:
	// Sets the process up for gettext as above. `notes`: what the log should
	// say (no usable locale: English only).
	static std::unique_ptr<GettextCatalog> open(GettextOptions o,
	                                            std::vector<std::string> &notes);

	std::string text(const char *msgid) const override;
	std::string text_in(const char *context, const char *msgid) const override;
	std::string plural(const char *msgid, const char *msgid_plural,
	                   unsigned long n) const override;
	bool has_language(const std::string &code) const override;
	bool use_language(const std::string &code) override;
	std::string language() const override { return language_; }

	// Whether glibc can load catalogs at all here (LC_MESSAGES is not C).
	bool working() const { return working_; }
	// The LC_MESSAGES locale that made it work ("C.UTF-8"), or "C".
	const std::string &messages_locale() const { return messages_locale_; }

private:
	explicit GettextCatalog(GettextOptions o) : o_(std::move(o)) {}
	GettextOptions o_;
	bool working_ = false;
	std::string messages_locale_ = "C";
	std::string language_ = "en";
};

} // namespace hotdesk::platform
