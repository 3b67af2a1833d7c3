// SPDX-License-Identifier: BSD-3-Clause
#include "pbx_protocol.h"

#include "../../platform/re/re_cxx.h"
#include "../profile/profile.h"

namespace hotdesk
{

namespace
{

Expected<std::string>
encode_strings(std::initializer_list<std::pair<const char *, const std::string *>> kv)
{
	ReRef<struct odict> o;
	if (odict_alloc(o.out(), 8))
		return make_error("pbx", "out of memory");
	for (const auto &p : kv)
		if (odict_entry_add(o.get(), p.first, ODICT_STRING, p.second->c_str()))
			return make_error("pbx", "cannot build request");
	char *s = nullptr;
	if (re_sdprintf(&s, "%H", json_encode_odict, o.get()) || !s)
		return make_error("pbx", "cannot encode request");
	std::string out(s);
	for (char *c = s; *c; ++c) // the body may hold the PIN
		*c = '\0';
	mem_deref(s);
	return out;
}

LoginResult failed(const std::string &why)
{
	LoginResult r;
	r.kind = LoginResult::Failed;
	r.reason = why;
	return r;
}

} // namespace

Expected<std::string> pbx_login_body(const std::string &ext, const std::string &pin)
{
	return encode_strings({{"ext", &ext}, {"pin", &pin}});
}

Expected<std::string> pbx_logout_body(const std::string &ext)
{
	return encode_strings({{"ext", &ext}});
}

bool safe_account_field(const std::string &s, bool is_secret)
{
	if (s.empty() || s.size() > 128)
		return false;
	for (unsigned char c : s) {
		if (c < 0x21 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == ';' ||
		    c == '\\')
			return false;
		if (!is_secret && (c == '@' || c == ',' || c == '='))
			return false;
	}
	return true;
}

std::string safe_display_name(std::string name)
{
	for (auto &c : name)
		if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
			c = ' ';
	return name;
}

LoginResult pbx_parse_login(long status, const std::string &body)
{
	ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 16, body.data(), body.size(), 4))
		return failed("PBX answered HTTP " + std::to_string(status) +
		              " without valid JSON");
	const std::string result = odict_str(o.get(), "result");
	if (status == 200 && result == "ok") {
		const struct odict_entry *u = odict_get_type(o.get(), ODICT_OBJECT, "user");
		if (!u)
			return failed("PBX accepted the login but sent no user");
		const struct odict *uo = u->u.odict;
		LoginResult r;
		r.kind = LoginResult::Accepted;
		r.user.pool = false;
		r.user.ext = odict_str(uo, "ext");
		r.user.name = odict_str(uo, "name");
		r.user.sip_user = odict_str(uo, "sip_user");
		r.user.sip_password = odict_str(uo, "sip_password");
		r.user.domain = odict_str(uo, "sip_domain");
		if (!safe_account_field(r.user.ext, false) ||
		    !safe_account_field(r.user.sip_user, false) ||
		    !safe_account_field(r.user.domain, false))
			return failed(
			    "PBX sent a user with a missing or unusable ext/sip_user/sip_domain");
		if (!safe_account_field(r.user.sip_password, true)) {
			r.user.wipe();
			return failed("PBX sent a missing or unusable sip_password");
		}
		r.user.name = safe_display_name(std::move(r.user.name));
		r.profile_xml = odict_str(o.get(), "profile");
		if (!r.profile_xml.empty()) {
			auto up = parse_user_profile(r.profile_xml);
			if (!up) {
				r.user.wipe();
				return failed("PBX sent a bad user profile: " + up.error().str());
			}
			if (r.user.name.empty())
				r.user.name = up->realname;
		}
		return r;
	}
	if (status >= 400 && status < 500 && result == "refused") {
		LoginResult r;
		r.kind = LoginResult::Refused;
		r.reason = odict_str(o.get(), "reason");
		if (r.reason.empty())
			r.reason = "refused";
		return r;
	}
	return failed("PBX answered HTTP " + std::to_string(status));
}

} // namespace hotdesk
