// SPDX-License-Identifier: BSD-3-Clause
// Text for displays that take only ASCII (board display_charset ascii):
// glibc's iconv to "ASCII//TRANSLIT", no table of our own. What a character
// becomes depends on the LC_CTYPE locale the conversion runs under (glibc's
// transliteration tables are locale data), measured on glibc 2.36:
//   de_DE.UTF-8   "Größe über Äpfel" -> "Groesse ueber AEpfel"
//   C.UTF-8       "Größe über Äpfel" -> "Grosse uber Apfel"
//   C             "Größe über Äpfel" -> "Gr?sse ?ber ?pfel"
// so the conversion runs (uselocale(), this thread only) under the display
// language's own locale <ll>_<LL>.UTF-8 where the image has it, else
// C.UTF-8, else C. A character with no ASCII form becomes '?'.
#pragma once

#include <string>

namespace hotdesk::platform
{

// `utf8` (sanitized first: broken sequences become '?') in ASCII, for the
// display language `lang` ("de").
std::string to_ascii(const std::string &utf8, const std::string &lang);

// The LC_CTYPE locale to_ascii() uses for `lang` ("de_DE.UTF-8", "C.UTF-8"
// or "C").
std::string transliteration_locale(const std::string &lang);

} // namespace hotdesk::platform
