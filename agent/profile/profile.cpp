// SPDX-License-Identifier: BSD-3-Clause
#include "profile.h"

#include "../core/text.h"

#include "../pbx/pbx_protocol.h"

#include <tinyxml2.h>

#include <map>
#include <set>

namespace hotdesk
{

namespace
{

using tinyxml2::XMLElement;

// Flattened <phone-settings>: "name" or "name#idx" -> text, line.
struct Setting {
	std::string text;
	int line;
};

struct Parsed {
	std::map<std::string, Setting> settings;
	std::vector<BlfEntry> blf;
};

Error at(const XMLElement *e, const std::string &what)
{
	return make_error(std::string("profile: <") + e->Name() + "> line " +
	                      std::to_string(e->GetLineNum()),
	                  what);
}

size_t count_and_depth(const XMLElement *e, int depth, int &max_depth)
{
	if (depth > max_depth)
		max_depth = depth;
	size_t n = 1;
	for (const XMLElement *c = e->FirstChildElement(); c; c = c->NextSiblingElement())
		n += count_and_depth(c, depth + 1, max_depth);
	return n;
}

Status read_phone_settings(const XMLElement *ps, const ProfileLimits &l, Parsed &out)
{
	for (const XMLElement *e = ps->FirstChildElement(); e; e = e->NextSiblingElement()) {
		if (e->FirstChildElement())
			return at(e, "must hold text, not elements");
		const char *t = e->GetText();
		const std::string text = t ? t : "";
		if (text.size() > l.max_text)
			return at(e,
			          "text longer than " + std::to_string(l.max_text) + " characters");
		std::string key = e->Name();
		if (const char *idx = e->Attribute("idx")) {
			if (std::string(idx) != "1")
				continue; // only identity 1 is used; others are ignored
			key += "#1";
		}
		if (!out.settings.emplace(key, Setting{text, e->GetLineNum()}).second)
			return at(e, "appears twice");
	}
	return Ok{};
}

Status read_blf(const XMLElement *fk, const ProfileLimits &l, Parsed &out)
{
	std::set<int> seen;
	for (const XMLElement *e = fk->FirstChildElement(); e; e = e->NextSiblingElement()) {
		if (std::string(e->Name()) != "fkey")
			return at(e, "unexpected element in <functionKeys>");
		int idx = -1;
		if (e->QueryIntAttribute("idx", &idx) != tinyxml2::XML_SUCCESS || idx < 0 ||
		    idx > 255)
			return at(e, "needs a numeric idx from 0 to 255");
		if (!seen.insert(idx).second)
			return at(e, "idx " + std::to_string(idx) + " appears twice");
		const char *t = e->GetText();
		const std::string v = t ? t : "";
		if (v.rfind("blf ", 0) != 0)
			continue; // other key types (speed dial, keyevent) are not ours
		BlfEntry b;
		const std::string target = v.substr(4);
		const size_t bar = target.find('|');
		b.ext = target.substr(0, bar);
		if (bar != std::string::npos)
			b.pickup = target.substr(bar + 1);
		if (const char *lab = e->Attribute("label"))
			b.label = lab;
		if (b.ext.empty() || b.ext.size() > 32 || b.label.size() > 64 ||
		    b.ext.find_first_not_of("0123456789*#") != std::string::npos ||
		    b.pickup.find_first_not_of("0123456789*#") != std::string::npos)
			return at(
			    e, "BLF value must be 'blf <ext>|<pickup prefix>' with digits, * or #");
		if (out.blf.size() == l.max_blf)
			return at(e, "more than " + std::to_string(l.max_blf) + " BLF keys");
		out.blf.push_back(b);
	}
	return Ok{};
}

Expected<Parsed> parse(std::string_view xml, const ProfileLimits &l)
{
	if (xml.size() > l.max_bytes)
		return make_error("profile",
		                  "larger than " + std::to_string(l.max_bytes) + " bytes");
	tinyxml2::XMLDocument doc(true, tinyxml2::COLLAPSE_WHITESPACE);
	if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
		return make_error("profile", std::string("not well-formed XML (line ") +
		                                 std::to_string(doc.ErrorLineNum()) + ")");
	const XMLElement *root = doc.RootElement();
	if (!root || std::string(root->Name()) != "settings")
		return make_error("profile", "root element must be <settings>");
	int depth = 0;
	if (count_and_depth(root, 1, depth) > l.max_elements)
		return make_error("profile",
		                  "more than " + std::to_string(l.max_elements) + " elements");
	if (depth > l.max_depth)
		return make_error("profile", "nested deeper than " + std::to_string(l.max_depth));
	Parsed p;
	bool have_settings = false;
	for (const XMLElement *e = root->FirstChildElement(); e; e = e->NextSiblingElement()) {
		const std::string name = e->Name();
		if (name == "phone-settings") {
			if (have_settings)
				return at(e, "appears twice");
			have_settings = true;
			if (auto s = read_phone_settings(e, l, p); !s)
				return s.error();
		} else if (name == "functionKeys") {
			if (auto s = read_blf(e, l, p); !s)
				return s.error();
		}
	}
	if (!have_settings)
		return make_error("profile", "missing <phone-settings>");
	return p;
}

class Fields
{
public:
	explicit Fields(const Parsed &p) : p_(p) {}

	const Setting *get(const std::string &key) const
	{
		auto it = p_.settings.find(key);
		return it == p_.settings.end() ? nullptr : &it->second;
	}
	std::string str(const std::string &key, const std::string &def = "") const
	{
		const Setting *s = get(key);
		return s ? s->text : def;
	}
	Status required(const std::string &key) const
	{
		const Setting *s = get(key);
		if (!s || s->text.empty())
			return make_error("profile: <" + name_of(key) + ">",
			                  "required but missing or empty");
		return Ok{};
	}
	static std::string name_of(const std::string &key) { return key.substr(0, key.find('#')); }
	Error bad(const std::string &key, const std::string &why) const
	{
		const Setting *s = get(key);
		return make_error("profile: <" + name_of(key) + ">" +
		                      (s ? " line " + std::to_string(s->line) : ""),
		                  why);
	}

private:
	const Parsed &p_;
};

Expected<SipAccount> read_account(const Fields &f)
{
	for (const char *k : {"user_name#1", "user_pass#1", "user_host#1"})
		if (auto s = f.required(k); !s)
			return s.error();
	SipAccount a;
	a.user = f.str("user_name#1");
	a.password = f.str("user_pass#1");
	a.host = f.str("user_host#1");
	a.outbound = f.str("user_outbound#1");
	a.realname = f.str("user_realname#1");
	a.mailbox = f.str("user_mailbox#1");
	if (const std::string active = f.str("user_active#1", "on"); active != "on")
		return f.bad("user_active#1", "identity 1 must be active ('on')");
	if (!safe_account_field(a.user, false))
		return f.bad("user_name#1", "not a usable SIP user name");
	if (!safe_account_field(a.host, false))
		return f.bad("user_host#1", "not a usable host[:port]");
	if (!safe_account_field(a.password, true))
		return f.bad("user_pass#1", "contains characters a SIP account line cannot carry");
	if (!a.outbound.empty() && (a.outbound.find_first_of("\"<>\\ \t") != std::string::npos))
		return f.bad("user_outbound#1", "not a usable proxy address");
	a.realname = safe_display_name(std::move(a.realname));
	return a;
}

Status read_unsigned(const Fields &f, const char *key, unsigned lo, unsigned hi, unsigned &out)
{
	const std::string v = f.str(key);
	if (v.empty())
		return Ok{};
	if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos ||
	    std::stoul(v) < lo || std::stoul(v) > hi)
		return f.bad(key, "must be a number from " + std::to_string(lo) + " to " +
		                      std::to_string(hi));
	out = static_cast<unsigned>(std::stoul(v));
	return Ok{};
}

} // namespace

Expected<DeviceProfile> parse_device_profile(std::string_view xml, const ProfileLimits &l)
{
	auto p = parse(xml, l);
	if (!p)
		return p.error();
	Fields f(*p);
	auto acc = read_account(f);
	if (!acc)
		return acc.error();
	DeviceProfile d;
	d.pool = std::move(*acc);
	d.pool_ext = f.str("hd_pool_ext", d.pool.user);
	if (!safe_account_field(d.pool_ext, false))
		return f.bad("hd_pool_ext", "not a usable extension");
	if (const std::string e = f.str("hd_emergency_numbers"); !e.empty())
		d.dial_plan.emergency = split_list(e);
	d.dial_plan.login_prefix = f.str("hd_login_code", d.dial_plan.login_prefix);
	d.dial_plan.logout_code = f.str("hd_logout_code", d.dial_plan.logout_code);
	d.dial_plan.other_codes = split_list(f.str("hd_dial_codes"));
	if (auto s = validate(d.dial_plan); !s)
		return make_error("profile: feature codes", s.error().what);
	d.logout_key = f.str("hd_logout_key", d.logout_key);
	if (d.logout_key != "none" && d.logout_key != "blf1" &&
	    !(d.logout_key.rfind("soft", 0) == 0 && d.logout_key.size() <= 6 &&
	      d.logout_key.size() > 4))
		return f.bad("hd_logout_key", "must be blf1, soft1..soft16 or none");
	d.status_token = f.str("hd_status_token");
	if (!d.status_token.empty() &&
	    (d.status_token.size() < 16 || !safe_account_field(d.status_token, true)))
		return f.bad("hd_status_token", "must be at least 16 printable characters");
	d.language = f.str("language", d.language);
	d.timezone = f.str("timezone", d.timezone);
	if (auto s = read_unsigned(f, "hd_profile_check_s", 60, 604800, d.recheck_s); !s)
		return s.error();
	d.blf = std::move(p->blf);
	return d;
}

Expected<UserProfile> parse_user_profile(std::string_view xml, const ProfileLimits &l)
{
	auto p = parse(xml, l);
	if (!p)
		return p.error();
	Fields f(*p);
	UserProfile u;
	u.realname = safe_display_name(f.str("user_realname#1"));
	u.mailbox = f.str("user_mailbox#1");
	if (u.mailbox.find_first_not_of("0123456789*#") != std::string::npos)
		return f.bad("user_mailbox#1", "must be digits, * or #");
	u.language = f.str("language");
	u.blf = std::move(p->blf);
	return u;
}

} // namespace hotdesk
