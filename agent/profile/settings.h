// SPDX-License-Identifier: BSD-3-Clause
// A provisioning document flattened to the settings the profile parser
// reads (agent/profile/profile.cpp), whatever its format: Snom-style XML
// (element names, "name#1" for identity 1) or Yealink-style .cfg
// (yealink_cfg.h maps its keys onto the same names). One validation then
// serves both formats.
#pragma once

#include "profile.h"

#include <map>
#include <string>
#include <vector>

namespace hotdesk
{

struct Setting {
	std::string text;
	int line = 0;
	bool has_elements = false;
	bool duplicate = false;
	// How the document named it when that is not the element name (a
	// Yealink key such as "account.1.password"): errors name this.
	std::string source;
};

struct ParsedSettings {
	std::map<std::string, Setting> settings; // "user_pass#1" -> its first occurrence
	std::vector<BlfEntry> blf;
	std::vector<std::string> warnings;
	bool have_settings = false;
};

} // namespace hotdesk
