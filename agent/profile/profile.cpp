// SPDX-License-Identifier: BSD-3-Clause
#include "profile.h"

#include "../core/account_values.h"
#include "../core/text.h"
#include "function_keys.h"
#include "settings.h"
#include "yealink_cfg.h"

#include <tinyxml2.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace hotdesk
{

namespace
{

using tinyxml2::XMLElement;

// Flattened <phone-settings> (settings.h): "name" or "name#1" (identity 1)
// -> its first occurrence. Problems of an element count only when the
// element is read.
using Parsed = ParsedSettings;

size_t count_and_depth(const XMLElement *e, int depth, int &max_depth)
{
	if (depth > max_depth)
		max_depth = depth;
	size_t n = 1;
	for (const XMLElement *c = e->FirstChildElement(); c; c = c->NextSiblingElement())
		n += count_and_depth(c, depth + 1, max_depth);
	return n;
}

void read_phone_settings(const XMLElement *ps, Parsed &out)
{
	for (const XMLElement *e = ps->FirstChildElement(); e; e = e->NextSiblingElement()) {
		std::string key = e->Name();
		if (const char *idx = e->Attribute("idx")) {
			if (std::string(idx) != "1")
				continue; // only identity 1 is used; others are ignored
			key += "#1";
		}
		const char *t = e->GetText();
		auto [it, fresh] = out.settings.emplace(
		    key,
		    Setting{
		        t ? t : "", e->GetLineNum(), e->FirstChildElement() != nullptr, false, {}});
		if (!fresh)
			it->second.duplicate = true;
	}
}

// Structure and limits; `strict` (a device profile) also refuses a second
// <phone-settings>, which a user profile only warns about.
Expected<Parsed> parse(std::string_view xml, const ProfileLimits &l, bool strict)
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
	for (const XMLElement *e = root->FirstChildElement(); e; e = e->NextSiblingElement()) {
		const std::string name = e->Name();
		const std::string where =
		    "profile: <" + name + "> line " + std::to_string(e->GetLineNum());
		if (name == "phone-settings") {
			if (p.have_settings && strict)
				return make_error(where, "appears twice");
			if (p.have_settings) {
				p.warnings.push_back(where + ": appears twice: ignored");
				continue;
			}
			p.have_settings = true;
			read_phone_settings(e, p);
		} else if (name == "functionKeys") {
			auto keys = read_function_keys(e, l.max_blf - p.blf.size(), p.warnings);
			p.blf.insert(p.blf.end(), keys.begin(), keys.end());
		}
	}
	if (!p.have_settings && strict)
		return make_error("profile", "missing <phone-settings>");
	return p;
}

class Fields
{
public:
	Fields(const Parsed &p, const ProfileLimits &l, std::vector<std::string> &warnings)
	    : p_(p), l_(l), warnings_(warnings)
	{
	}

	const Setting *get(const std::string &key) const
	{
		auto it = p_.settings.find(key);
		return it == p_.settings.end() ? nullptr : &it->second;
	}
	bool has(const std::string &key) const { return get(key) && !get(key)->text.empty(); }

	// A value the phone depends on: any problem is an error.
	Expected<std::string> strict(const std::string &key, const std::string &def = "") const
	{
		const Setting *s = get(key);
		if (!s)
			return def;
		if (auto why = problem(*s); !why.empty())
			return bad(key, why);
		return s->text.empty() ? def : s->text;
	}
	Expected<std::string> required(const std::string &key) const
	{
		auto v = strict(key);
		if (v && v->empty())
			return make_error(where(key), "required but missing or empty");
		return v;
	}
	// Decoration: a problem is a warning and the default.
	std::string lenient(const std::string &key, const std::string &def = "") const
	{
		const Setting *s = get(key);
		if (!s)
			return def;
		if (auto why = problem(*s); !why.empty()) {
			warn(key, why + ": ignored");
			return def;
		}
		return s->text.empty() ? def : s->text;
	}

	std::string where(const std::string &key) const
	{
		const Setting *s = get(key);
		const std::string name =
		    s && !s->source.empty() ? s->source : "<" + key.substr(0, key.find('#')) + ">";
		return "profile: " + name + (s ? " line " + std::to_string(s->line) : "");
	}
	Error bad(const std::string &key, const std::string &why) const
	{
		return make_error(where(key), why);
	}
	void warn(const std::string &key, const std::string &why) const
	{
		warnings_.push_back(where(key) + ": " + why);
	}

private:
	std::string problem(const Setting &s) const
	{
		if (s.has_elements)
			return "must hold text, not elements";
		if (s.duplicate)
			return "appears twice";
		if (s.text.size() > l_.max_text)
			return "text longer than " + std::to_string(l_.max_text) + " characters";
		return "";
	}

	const Parsed &p_;
	const ProfileLimits &l_;
	std::vector<std::string> &warnings_;
};

// An account value that failed account_values.h: the element, its line and why.
template <class T> Expected<std::string> account_value(const Fields &f, const char *key, T check)
{
	auto v = f.strict(key);
	if (!v)
		return v.error();
	auto c = check(*v);
	if (!c)
		return f.bad(key, c.error().what);
	return *c;
}

// <user_pass>, or what the profile gave instead of it. Snom templates may
// write an HA1 digest (<user_hash>); baresip 1.0.0 needs the password.
Expected<std::string> read_password(const Fields &f)
{
	auto pw = f.strict("user_pass#1");
	if (!pw)
		return pw.error();
	const bool hash = f.has("user_hash#1");
	if (pw->empty() && hash)
		return f.bad("user_hash#1", "an HA1 digest is not supported: baresip 1.0.0 "
		                            "authenticates with the SIP password; put it in "
		                            "<user_pass>");
	if (pw->empty())
		return make_error(f.where("user_pass#1"), "required but missing or empty");
	if (auto s = check_sip_password(*pw); !s)
		return f.bad("user_pass#1", s.error().what);
	if (hash)
		f.warn("user_hash#1", "ignored (the password in <user_pass> is used)");
	return pw;
}

// A voicemail number: dial characters, or the user part of a SIP URI.
std::string read_mailbox(const Fields &f, const char *key)
{
	const std::string m = f.lenient(key);
	if (m.empty() || is_dial_string(m))
		return m;
	auto ext = blf_extension(m);
	if (ext && is_dial_string(*ext))
		return *ext;
	f.warn(key, quoted(m) + " is not a number made of digits, * or #: ignored");
	return "";
}

std::string read_display_name(const Fields &f, const char *key)
{
	const std::string raw = f.lenient(key);
	std::string name = clean_display_name(raw);
	if (name.size() < raw.size())
		f.warn(key, "cut to " + std::to_string(kMaxDisplayName) + " bytes");
	return name;
}

Expected<SipAccount> read_account(const Fields &f)
{
	SipAccount a;
	auto user = f.required("user_name#1");
	if (!user)
		return user.error();
	auto pw = read_password(f);
	if (!pw)
		return pw.error();
	a.password = std::move(*pw);
	if (auto host = f.required("user_host#1"); !host)
		return host.error();
	auto active = f.strict("user_active#1", "on");
	if (!active)
		return active.error();
	if (*active != "on")
		return f.bad("user_active#1", "identity 1 must be active ('on')");
	auto checked_user = account_value(f, "user_name#1", check_sip_user);
	if (!checked_user)
		return checked_user.error();
	a.user = *checked_user;
	// 3CX writes its authentication ID here (Yealink: account.1.auth_name);
	// it goes into the account line as auth_user= when it is not the user.
	if (auto pname = f.strict("user_pname#1"); !pname) {
		return pname.error();
	} else if (!pname->empty() && *pname != a.user) {
		auto auth = account_value(f, "user_pname#1", check_auth_user);
		if (!auth)
			return auth.error();
		a.auth_user = *auth;
	}
	auto host = account_value(f, "user_host#1", check_registrar);
	if (!host)
		return host.error();
	a.host = *host;
	auto outbound = account_value(f, "user_outbound#1", check_outbound);
	if (!outbound)
		return outbound.error();
	a.outbound = *outbound;
	if (const std::string raw = *f.strict("user_outbound#1"); raw != a.outbound)
		f.warn("user_outbound#1", quoted(raw) + " read as " + quoted(a.outbound));
	a.realname = read_display_name(f, "user_realname#1");
	a.mailbox = read_mailbox(f, "user_mailbox#1");
	return a;
}

Status read_unsigned(const Fields &f, const char *key, unsigned lo, unsigned hi, unsigned &out)
{
	auto v = f.strict(key);
	if (!v)
		return v.error();
	if (v->empty())
		return Ok{};
	if (v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos ||
	    std::stoul(*v) < lo || std::stoul(*v) > hi)
		return f.bad(key, "must be a number from " + std::to_string(lo) + " to " +
		                      std::to_string(hi));
	out = static_cast<unsigned>(std::stoul(*v));
	return Ok{};
}

// Printable, no blanks, quotes or backslashes: a bearer token.
bool printable_token(const std::string &s)
{
	for (unsigned char c : s)
		if (c < 0x21 || c >= 0x7f || c == '"' || c == '\\')
			return false;
	return true;
}

Status read_dial_plan(const Fields &f, DialPlan &plan)
{
	for (const char *key : {"hd_emergency_numbers", "hd_login_code", "hd_logout_code",
	                        "hd_dial_codes", "hd_dial_terminator", "hd_login_flow"})
		if (auto v = f.strict(key); !v)
			return v.error();
	if (const std::string e = *f.strict("hd_emergency_numbers"); !e.empty())
		plan.emergency = split_list(e);
	plan.login_prefix = *f.strict("hd_login_code", plan.login_prefix);
	plan.logout_code = *f.strict("hd_logout_code", plan.logout_code);
	plan.other_codes = split_list(*f.strict("hd_dial_codes"));
	if (const std::string t = *f.strict("hd_dial_terminator"); !t.empty()) {
		auto term = parse_dial_terminator(t);
		if (!term)
			return f.bad("hd_dial_terminator", "must be hash or none");
		plan.terminator = *term;
	}
	const std::string flow = *f.strict("hd_login_flow", "local");
	if (flow != "local" && flow != "pbx")
		return f.bad("hd_login_flow", "must be local or pbx");
	plan.login_by_call = flow == "pbx";
	if (auto s = validate(plan); !s)
		return make_error("profile: feature codes", s.error().what);
	return Ok{};
}

// An on/off option: "on" or "off" as in Snom's XML, "1" or "0" as a Yealink
// .cfg writes its switches (yealink_cfg.h passes hotdesk.<name> values as they are).
Status read_on_off(const Fields &f, const char *key, bool &out)
{
	auto v = f.strict(key, out ? "on" : "off");
	if (!v)
		return v.error();
	if (*v != "on" && *v != "off" && *v != "1" && *v != "0")
		return f.bad(key, "must be on or off (1 or 0)");
	out = *v == "on" || *v == "1";
	return Ok{};
}

Status read_auto_logout(const Fields &f, AutoLogoutPolicy &p)
{
	for (const char *key : {"hd_auto_logout_idle", "hd_auto_logout_max_session"}) {
		auto v = f.strict(key);
		if (!v)
			return v.error();
		if (v->empty())
			continue;
		auto d = parse_auto_logout_duration(*v);
		if (!d)
			return f.bad(key, d.error().what);
		(std::string(key) == "hd_auto_logout_idle" ? p.idle_s : p.max_session_s) = *d;
	}
	auto daily = f.strict("hd_auto_logout_daily");
	if (!daily)
		return daily.error();
	if (!daily->empty()) {
		auto m = parse_clock_time(*daily);
		if (!m)
			return f.bad("hd_auto_logout_daily", m.error().what);
		p.daily_minute = *m;
	}
	if (auto s = read_on_off(f, "hd_auto_logout_stay", p.stay_allowed); !s)
		return s;
	unsigned countdown = p.countdown_s;
	if (auto s = read_unsigned(f, "hd_auto_logout_countdown_s", 3, 600, countdown); !s)
		return s;
	p.countdown_s = countdown;
	// A countdown as long as the idle time (or the session) would leave the
	// person nothing but the countdown: at most half of the shortest.
	for (uint32_t limit : {p.idle_s, p.max_session_s})
		if (limit && p.countdown_s > limit / 2) {
			p.countdown_s = std::max<uint32_t>(1, limit / 2);
			f.warn("hd_auto_logout_countdown_s",
			       "cut to " + std::to_string(p.countdown_s) +
			           " s: at most half of the idle time or session length");
		}
	return Ok{};
}

Status read_options(const Fields &f, DeviceProfile &d)
{
	for (const char *key : {"hd_logout_key", "hd_status_token", "language", "timezone"})
		if (auto v = f.strict(key); !v)
			return v.error();
	d.logout_key = *f.strict("hd_logout_key", d.logout_key);
	if (d.logout_key != "none" && d.logout_key != "blf1" &&
	    !(d.logout_key.rfind("soft", 0) == 0 && d.logout_key.size() <= 6 &&
	      d.logout_key.size() > 4))
		return f.bad("hd_logout_key", "must be blf1, soft1..soft16 or none");
	d.status_token = *f.strict("hd_status_token");
	if (!d.status_token.empty() &&
	    (d.status_token.size() < 16 || !printable_token(d.status_token)))
		return f.bad("hd_status_token", "must be at least 16 printable characters");
	d.language = *f.strict("language", d.language);
	d.timezone = *f.strict("timezone", d.timezone);
	if (auto s = read_auto_logout(f, d.auto_logout); !s)
		return s;
	return read_unsigned(f, "hd_profile_check_s", 60, 604800, d.recheck_s);
}

// The desk's civic location (RFC 5139 fields) and the emergency options.
// Location text is what an answering point reads: no control characters,
// at most 64 bytes per field; the country is an ISO 3166-1 alpha-2 code.
Status read_emergency(const Fields &f, EmergencySettings &e)
{
	if (auto s = read_on_off(f, "hd_emergency_via_pool", e.via_pool); !s)
		return s;
	if (auto s = read_on_off(f, "hd_location_on_idle", e.location_on_idle); !s)
		return s;
	// <hd_location_country>, <hd_location_a1>, ... <hd_location_room>
	for (const CivicField &field : civic_fields()) {
		std::string key = std::string("hd_location_") + field.name;
		for (auto &c : key)
			c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		auto v = f.strict(key);
		if (!v)
			return v.error();
		if (v->size() > 64)
			return f.bad(key, "longer than 64 bytes");
		for (unsigned char c : *v)
			if (c < 0x20 || c == 0x7f)
				return f.bad(key, "holds a control character");
		e.location.*field.member = *v;
	}
	std::string &cc = e.location.country;
	if (!cc.empty()) {
		if (cc.size() != 2 || !std::isalpha(static_cast<unsigned char>(cc[0])) ||
		    !std::isalpha(static_cast<unsigned char>(cc[1])))
			return f.bad("hd_location_country",
			             "must be an ISO 3166-1 alpha-2 code (RFC 5139), e.g. DE");
		for (auto &c : cc)
			c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	}
	auto cb = f.strict("hd_emergency_callback");
	if (!cb)
		return cb.error();
	const std::string digits = !cb->empty() && (*cb)[0] == '+' ? cb->substr(1) : *cb;
	if (!cb->empty() && (digits.empty() || digits.size() > 32 ||
	                     digits.find_first_not_of("0123456789") != std::string::npos))
		return f.bad("hd_emergency_callback",
		             "must be a number: digits, optionally after +");
	e.callback = *cb;
	return Ok{};
}

} // namespace

Expected<DeviceProfile> parse_device_profile(std::string_view xml, const ProfileLimits &l)
{
	auto p = is_yealink_cfg(xml) ? read_yealink_cfg(xml, l) : parse(xml, l, true);
	if (!p)
		return p.error();
	DeviceProfile d;
	d.warnings = std::move(p->warnings);
	Fields f(*p, l, d.warnings);
	auto acc = read_account(f);
	if (!acc)
		return acc.error();
	d.pool = std::move(*acc);
	auto pool_ext = f.strict("hd_pool_ext", d.pool.user);
	if (!pool_ext)
		return pool_ext.error();
	if (auto e = check_extension(*pool_ext); !e)
		return f.has("hd_pool_ext")
		           ? f.bad("hd_pool_ext", e.error().what)
		           : f.bad("user_name#1", "as the pool extension, " + e.error().what +
		                                      " (set <hd_pool_ext>)");
	d.pool_ext = *pool_ext;
	if (auto s = read_dial_plan(f, d.dial_plan); !s)
		return s.error();
	if (f.has("hd_dial_terminator"))
		d.dial_terminator = d.dial_plan.terminator;
	if (auto s = read_options(f, d); !s)
		return s.error();
	if (auto s = read_emergency(f, d.emergency); !s)
		return s.error();
	d.blf = std::move(p->blf);
	return d;
}

Expected<UserProfile> parse_user_profile(std::string_view xml, const ProfileLimits &l)
{
	auto p = parse(xml, l, false);
	if (!p)
		return p.error();
	UserProfile u;
	u.warnings = std::move(p->warnings);
	Fields f(*p, l, u.warnings);
	u.realname = read_display_name(f, "user_realname#1");
	u.mailbox = read_mailbox(f, "user_mailbox#1");
	u.language = f.lenient("language");
	if (const std::string t = f.lenient("hd_dial_terminator"); !t.empty()) {
		u.dial_terminator = parse_dial_terminator(t);
		if (!u.dial_terminator)
			f.warn("hd_dial_terminator", "must be hash or none: ignored");
	}
	u.blf = std::move(p->blf);
	return u;
}

bool provisions_person(const DeviceProfile &p)
{
	return p.dial_plan.login_by_call && p.pool.user != p.pool_ext;
}

std::string person_profile_xml(const DeviceProfile &p)
{
	tinyxml2::XMLPrinter out(nullptr, true);
	out.OpenElement("settings");
	out.OpenElement("phone-settings");
	for (const auto &[name, value] :
	     {std::pair<const char *, const std::string &>{"user_realname", p.pool.realname},
	      {"user_mailbox", p.pool.mailbox}}) {
		out.OpenElement(name);
		out.PushAttribute("idx", "1");
		out.PushText(value.c_str());
		out.CloseElement();
	}
	out.CloseElement();
	out.OpenElement("functionKeys");
	int idx = 0;
	for (const auto &b : p.blf) {
		out.OpenElement("fkey");
		out.PushAttribute("idx", idx++);
		out.PushAttribute("label", b.label.c_str());
		out.PushText(("blf " + b.ext + (b.pickup.empty() ? "" : "|" + b.pickup)).c_str());
		out.CloseElement();
	}
	out.CloseElement();
	out.CloseElement();
	return out.CStr();
}

} // namespace hotdesk
