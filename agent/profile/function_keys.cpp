// SPDX-License-Identifier: BSD-3-Clause
#include "function_keys.h"

#include "../core/account_values.h"

#include <tinyxml2.h>

#include <cctype>
#include <set>

namespace hotdesk
{

namespace
{

using tinyxml2::XMLElement;

constexpr size_t kMaxKeyExt = 32;

std::string where(const XMLElement *e)
{
	std::string w = std::string("profile: <") + e->Name();
	if (const char *idx = e->Attribute("idx")) {
		const std::string q = quoted(idx); // 'idx', control characters as '?'
		w += " idx=\"" + q.substr(1, q.size() - 2) + "\"";
	}
	return w + "> line " + std::to_string(e->GetLineNum());
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
		s.remove_prefix(1);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.remove_suffix(1);
	return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix)
{
	if (s.size() < prefix.size())
		return false;
	for (size_t i = 0; i < prefix.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
			return false;
	return true;
}

// One <fkey>: the entry, or why it is not a usable BLF key. `skip` is set
// for key types that are not BLF at all (not worth a warning).
Expected<BlfEntry> read_fkey(const XMLElement *e, std::vector<std::string> &warnings, bool &skip)
{
	skip = false;
	if (e->FirstChildElement())
		return make_error("", "holds elements, not text: key dropped");
	const char *t = e->GetText();
	const std::string_view v = trim(t ? t : "");
	if (!starts_with_nocase(v, "blf") ||
	    (v.size() > 3 && !std::isspace(static_cast<unsigned char>(v[3])))) {
		skip = true; // speed dial, keyevent, line, ...: not ours
		return BlfEntry{};
	}
	const std::string_view target = trim(v.substr(3));
	const size_t bar = target.find('|');
	auto ext = blf_extension(target.substr(0, bar));
	if (!ext)
		return make_error("", quoted(v) + " " + ext.error().what + ": key dropped");
	BlfEntry b;
	b.ext = *ext;
	if (bar != std::string_view::npos) {
		const std::string_view pickup = trim(target.substr(bar + 1));
		if (is_dial_string(pickup) && pickup.size() <= kMaxKeyExt)
			b.pickup = std::string(pickup);
		else
			warnings.push_back(where(e) + ": pickup prefix " + quoted(pickup) +
			                   " is not made of digits, * or #: the key has no pickup");
	}
	if (const char *lab = e->Attribute("label"))
		b.label = clean_display_name(lab);
	return b;
}

} // namespace

std::string quoted(std::string_view text)
{
	std::string out = "'";
	for (char c : text)
		out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
	return out + "'";
}

bool is_dial_string(std::string_view s)
{
	return s.find_first_not_of("0123456789*#+") == std::string_view::npos;
}

Expected<std::string> blf_extension(std::string_view target)
{
	std::string_view t = trim(target);
	if (t.size() >= 2 && t.front() == '<' && t.back() == '>')
		t = t.substr(1, t.size() - 2);
	if (starts_with_nocase(t, "tel:")) {
		t.remove_prefix(4);
		t = t.substr(0, t.find(';'));
	} else if (starts_with_nocase(t, "sip:") || starts_with_nocase(t, "sips:")) {
		t.remove_prefix(t.find(':') + 1);
		const size_t at = t.find('@');
		if (at == std::string_view::npos)
			return make_error("", "has no user part (a SIP URI without user@)");
		t = t.substr(0, at);
		t = t.substr(0, t.find(';')); // user parameters
	} else if (const size_t at = t.find('@'); at != std::string_view::npos) {
		t = t.substr(0, at);
	}
	if (t.empty())
		return make_error("", "names no extension");
	if (t.size() > kMaxKeyExt)
		return make_error("", "names an extension longer than " +
		                          std::to_string(kMaxKeyExt) + " characters");
	if (is_dial_string(t))
		return std::string(t);
	if (auto u = check_sip_user(t); !u)
		return make_error("", "names no extension or SIP user (" + quoted(t) + " " +
		                          u.error().what + ")");
	return std::string(t);
}

std::vector<BlfEntry> read_function_keys(const XMLElement *fk, size_t max_blf,
                                         std::vector<std::string> &warnings)
{
	std::vector<BlfEntry> out;
	std::set<int> seen;
	for (const XMLElement *e = fk->FirstChildElement(); e; e = e->NextSiblingElement()) {
		if (std::string(e->Name()) != "fkey") {
			warnings.push_back(where(e) + ": not a key of <functionKeys>: ignored");
			continue;
		}
		int idx = -1;
		if (e->QueryIntAttribute("idx", &idx) != tinyxml2::XML_SUCCESS || idx < 0 ||
		    idx > 255) {
			warnings.push_back(where(e) +
			                   ": needs a numeric idx from 0 to 255: key dropped");
			continue;
		}
		if (!seen.insert(idx).second) {
			warnings.push_back(where(e) + ": idx " + std::to_string(idx) +
			                   " appears twice: this key dropped");
			continue;
		}
		bool skip = false;
		auto b = read_fkey(e, warnings, skip);
		if (skip)
			continue;
		if (!b) {
			warnings.push_back(where(e) + ": " + b.error().what);
			continue;
		}
		if (out.size() == max_blf) {
			warnings.push_back(where(e) + ": more than " + std::to_string(max_blf) +
			                   " BLF keys: this and later keys dropped");
			break;
		}
		out.push_back(std::move(*b));
	}
	return out;
}

} // namespace hotdesk
