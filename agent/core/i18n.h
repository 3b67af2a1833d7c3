// SPDX-License-Identifier: BSD-3-Clause
// The words a person reads on the display, in the language in use: GNU
// gettext's model (the English source text is the message id; plural forms
// through ngettext; a context for words that must fit one softkey). Pure:
// the catalogs are platform/i18n's business (glibc gettext over the .mo
// files msgfmt builds from po/*.po); main() installs them, unit tests
// install a fake. Without a catalog every text is its English source.
// Single-threaded like the rest of hotdeskd (libre's loop).
//
// Marking a text: tr("Ready"), trf("Calling %s", {number}),
// trn("%u new voicemail", "%u new voicemails", n), trc("softkey", "Hold");
// N_("Busy") marks a text that is translated later with tr(std::string).
// scripts/check-catalogs extracts exactly these calls (xgettext keywords),
// so a text must be a literal at the call. Which language: language.h.
// How a vendor adds one: docs/i18n.md.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace hotdesk
{

class Catalog
{
public:
	virtual ~Catalog() = default;
	// gettext(msgid): the translation in the language in use, or msgid.
	virtual std::string text(const char *msgid) const = 0;
	// pgettext(context, msgid): a translation that depends on where the
	// text goes ("softkey": at most one softkey cell wide).
	virtual std::string text_in(const char *context, const char *msgid) const = 0;
	// ngettext(): the plural form for n, by the catalog's Plural-Forms.
	virtual std::string plural(const char *msgid, const char *msgid_plural,
	                           unsigned long n) const = 0;
	// Whether there is a catalog for `code` (ISO 639-1, "de"). English, the
	// source language, always is.
	virtual bool has_language(const std::string &code) const = 0;
	// Texts from now on in `code` (one has_language() knows); false and no
	// change otherwise.
	virtual bool use_language(const std::string &code) = 0;
	virtual std::string language() const = 0;
};

// Installs `c` (nullptr: the English source texts) and returns the
// previous one, so a test can put it back.
std::unique_ptr<Catalog> i18n_set_catalog(std::unique_ptr<Catalog> c);
// Whether the installed catalog knows `code` ("en" always).
bool i18n_has_language(const std::string &code);
// Switches the installed catalog to `code`; false when it has none for it.
bool i18n_use_language(const std::string &code);
// The language in use ("en" without a catalog).
std::string i18n_language();

// A marker for xgettext: `s` is a text translated later (tr(std::string)).
constexpr const char *N_(const char *s)
{
	return s;
}

std::string tr(const char *msgid);
// A text marked with N_() where it was written.
std::string tr(const std::string &msgid);
std::string trc(const char *context, const char *msgid);
// The plural form for n, with n filled in for its %u (or %d).
std::string trn(const char *msgid, const char *msgid_plural, unsigned long n);
// tr(msgid) with its placeholders filled.
std::string trf(const char *msgid, std::initializer_list<std::string_view> args);

// Fills the printf-style placeholders of a translated text with `args`:
// %s, %u and %d in order, or %1$s, %2$s ... by position (a translation may
// reorder them: "%2$s für %1$s"); %% is '%'. A placeholder without an
// argument is left out. Only these directives: the texts are ours, and
// msgfmt --check-format holds every translation to its msgid's.
std::string fill(std::string_view pattern, std::initializer_list<std::string_view> args);

} // namespace hotdesk
