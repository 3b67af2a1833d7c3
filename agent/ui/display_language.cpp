// SPDX-License-Identifier: BSD-3-Clause
#include "display_language.h"

#include "../core/i18n.h"
#include "../core/language.h"
#include "../core/log.h"

namespace hotdesk
{

void DisplayLanguage::set_device(const std::string &language)
{
	device_ = language;
}

bool DisplayLanguage::follow(bool logged_in, const std::string &person_language)
{
	logged_in_ = logged_in;
	person_ = logged_in ? person_language : std::string();
	const LanguageChoice c = choose_language(logged_in, person_, device_, i18n_has_language);
	if (c.notes != notes_)
		for (const auto &n : c.notes)
			log_info("display language: " + n);
	notes_ = c.notes;
	if (c.code == i18n_language())
		return false;
	if (!i18n_use_language(c.code)) { // has_language() said yes a moment ago
		log_warn("display language: cannot switch to '" + c.code + "'; it stays '" +
		         i18n_language() + "'");
		return false;
	}
	log_info("display language: " + c.code);
	return true;
}

} // namespace hotdesk
