// SPDX-License-Identifier: BSD-3-Clause
// Which language the display speaks (issue 17). The device profile's for the
// pool identity (idle, the login and PIN prompts, emergency messages); the
// person's profile language from the moment they are logged in; the
// device's again at logout. A language without a catalog, or none named,
// falls back to the device's, then English, with a note for the log, never
// an error. Pure: whether a catalog exists is asked through `available`.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace hotdesk
{

// A language as profiles name it, as an ISO 639-1 code: "de", "de_DE",
// "de-DE", "de_DE.UTF-8", "de_DE@euro", "DE" -> "de"; the names Snom
// (<language>Deutsch</language>) and Yealink (lang.gui = German) use ->
// their code; "" for "" or a name that is no language ("C", "POSIX").
// Anything else is returned lower-cased as it is (it names no catalog,
// and the choice falls back).
std::string language_code(const std::string &name);

struct LanguageChoice {
	std::string code;               // "de", or "en" at the end of the fallbacks
	std::vector<std::string> notes; // why a fallback was taken, for the log
};

// `person`: the logged-in person's profile language ("" when they name
// none); ignored when `logged_in` is false. `device`: the device profile's.
// `available`: whether a catalog exists for a code ("en" need not be asked).
LanguageChoice choose_language(bool logged_in, const std::string &person, const std::string &device,
                               const std::function<bool(const std::string &)> &available);

} // namespace hotdesk
