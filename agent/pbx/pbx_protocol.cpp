// SPDX-License-Identifier: BSD-3-Clause
#include "pbx_protocol.h"

#include "../../platform/re/re_cxx.h"
#include "../core/account_values.h"
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
	// odict_json zeroes libre's buffer before freeing it: the body may
	// hold the PIN.
	return odict_json(o.get());
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

Expected<std::string> pbx_logout_body(const std::string &ext, const std::string &reason)
{
	if (reason.empty())
		return encode_strings({{"ext", &ext}});
	return encode_strings({{"ext", &ext}, {"reason", &reason}});
}

Expected<std::string> pbx_resume_body(const std::string &ext)
{
	return encode_strings({{"ext", &ext}});
}

bool is_bad_profile(const std::string &reason)
{
	return reason.compare(0, kBadProfile.size(), kBadProfile) == 0;
}

namespace
{

LoginResult bad_profile(LoginResult &r, const std::string &what)
{
	r.user.wipe();
	LoginResult out;
	out.kind = LoginResult::Refused;
	out.reason = std::string(kBadProfile) + ": " + what;
	return out;
}

// One field of the user object through its account_values.h check.
template <class Check>
bool user_field(const struct odict *uo, const char *key, Check check, std::string &out,
                std::string &why)
{
	auto v = check(odict_str(uo, key));
	if (!v) {
		why = std::string("user.") + key + " " + v.error().what;
		return false;
	}
	out = *v;
	return true;
}

LoginResult accepted(const struct odict *o, std::vector<std::string> *warnings)
{
	LoginResult r;
	const struct odict_entry *u = odict_get_type(o, ODICT_OBJECT, "user");
	if (!u) // a broken answer rather than an unusable user
		return failed("PBX accepted the login but sent no user");
	const struct odict *uo = u->u.odict;
	r.kind = LoginResult::Accepted;
	r.user.pool = false;
	std::string why;
	if (!user_field(uo, "ext", check_extension, r.user.ext, why) ||
	    !user_field(uo, "sip_user", check_sip_user, r.user.sip_user, why) ||
	    !user_field(uo, "sip_domain", check_registrar, r.user.domain, why))
		return bad_profile(r, why);
	r.user.sip_password = odict_str(uo, "sip_password");
	if (auto s = check_sip_password(r.user.sip_password); !s)
		return bad_profile(r, "user.sip_password " + s.error().what);
	r.user.name = clean_display_name(odict_str(uo, "name"));
	r.profile_xml = odict_str(o, "profile");
	if (!r.profile_xml.empty()) {
		auto up = parse_user_profile(r.profile_xml);
		if (!up)
			return bad_profile(r, "user " + up.error().str());
		if (warnings)
			warnings->insert(warnings->end(), up->warnings.begin(), up->warnings.end());
		if (r.user.name.empty())
			r.user.name = up->realname;
	}
	return r;
}

} // namespace

LoginResult pbx_parse_resume(long status, const std::string &body)
{
	ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 16, body.data(), body.size(), 4))
		return failed("PBX answered HTTP " + std::to_string(status) +
		              " without valid JSON");
	const std::string result = odict_str(o.get(), "result");
	LoginResult r;
	if (status == 200 && result == "ok") {
		r.kind = LoginResult::Accepted;
		return r;
	}
	if (status >= 400 && status < 500 && result == "refused") {
		r.kind = LoginResult::Refused;
		r.reason = odict_str(o.get(), "reason");
		if (r.reason.empty())
			r.reason = "refused";
		return r;
	}
	return failed("PBX answered HTTP " + std::to_string(status));
}

std::string pbx_lost_body()
{
	return R"({"lost":true})";
}

namespace
{

// A 4xx but 408 (Request Timeout) and 429 (Too Many Requests), which ask
// for the same request later (RFC 9110 15.5.9, RFC 6585 4).
bool final_refusal(long status)
{
	return status >= 400 && status < 500 && status != 408 && status != 429;
}

LoginResult refused_question(long status)
{
	LoginResult r;
	r.kind = LoginResult::Refused;
	r.reason = "HTTP " + std::to_string(status) + ", not answering the question";
	return r;
}

} // namespace

LoginResult pbx_parse_lost(long status, const std::string &body, std::string *ext,
                           std::vector<std::string> *warnings)
{
	if (status == 408 || status == 429)
		return failed("PBX answered HTTP " + std::to_string(status));
	std::string top;
	{
		// Only the top level: the user object (a secret) is read, and its
		// buffers wiped, by pbx_parse_login().
		ReRef<struct odict> o;
		if (json_decode_odict_wiped(o.out(), 16, body.data(), body.size(), 4)) {
			if (final_refusal(status)) // e.g. a bare 400 of an older PBX
				return refused_question(status);
			return failed("PBX answered HTTP " + std::to_string(status) +
			              " without valid JSON");
		}
		const std::string result = odict_str(o.get(), "result");
		if (status == 200 && result == kNobodyHere) {
			LoginResult r;
			r.kind = LoginResult::Refused;
			r.reason = std::string(kNobodyHere);
			return r;
		}
		if (status != 200 || result != "ok") {
			LoginResult r = pbx_parse_login(status, body, warnings);
			if (r.kind == LoginResult::Failed && final_refusal(status))
				return refused_question(status);
			return r;
		}
		auto e = check_extension(odict_str(o.get(), "ext"));
		if (!e)
			return failed("PBX named the person here without a usable ext (" +
			              e.error().what + ")");
		top = *e;
	}
	if (ext)
		*ext = top;
	LoginResult r = pbx_parse_login(status, body, warnings);
	if (r.kind == LoginResult::Accepted && r.user.ext != top)
		return bad_profile(r, "user.ext differs from ext");
	return r;
}

LoginResult pbx_parse_login(long status, const std::string &body,
                            std::vector<std::string> *warnings)
{
	ReRef<struct odict> o;
	if (json_decode_odict_wiped(o.out(), 16, body.data(), body.size(), 4))
		return failed("PBX answered HTTP " + std::to_string(status) +
		              " without valid JSON");
	const std::string result = odict_str(o.get(), "result");
	if (status == 200 && result == "ok")
		return accepted(o.get(), warnings);
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
