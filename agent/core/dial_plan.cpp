// SPDX-License-Identifier: BSD-3-Clause
#include "dial_plan.h"

#include "i18n.h"

#include <algorithm>

namespace hotdesk
{

namespace
{

bool all_digits(std::string_view s)
{
	return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_prefix(std::string_view pre, std::string_view s)
{
	return pre.size() <= s.size() && s.substr(0, pre.size()) == pre;
}

bool is_emergency(const DialPlan &p, std::string_view buf)
{
	return std::find(p.emergency.begin(), p.emergency.end(), buf) != p.emergency.end();
}

// A buffer that could still become a feature code.
bool could_be_code(const DialPlan &p, std::string_view buf)
{
	if (is_prefix(buf, p.login_prefix) || is_prefix(buf, p.logout_code))
		return true;
	if (!is_prefix(p.login_prefix, buf))
		return false;
	const std::string_view ext = buf.substr(p.login_prefix.size());
	return all_digits(ext) && ext.size() <= p.max_ext_len;
}

// The logout code is matched first, so it must not be a prefix of login
// codes, nor have one as a prefix. Being one login code itself ("*77*5*"
// with login "*77*") is allowed: that extension cannot log in.
bool logout_shadows_login(const DialPlan &p)
{
	if (is_prefix(p.logout_code, p.login_prefix))
		return true;
	if (!is_prefix(p.login_prefix, p.logout_code))
		return false;
	const std::string_view rest = std::string_view(p.logout_code).substr(p.login_prefix.size());
	size_t d = 0;
	while (d < rest.size() && rest[d] >= '0' && rest[d] <= '9')
		++d;
	if (d == rest.size())
		return true; // login prefix + digits: the start of longer login codes
	return d > 0 && d + 1 < rest.size(); // a whole login code, then more
}

Status check_code(std::string_view name, std::string_view code)
{
	if (code.empty())
		return make_error("dial_plan", std::string(name) + " is empty");
	for (char c : code)
		if (!(c == '*' || (c >= '0' && c <= '9')))
			return make_error("dial_plan", std::string(name) + " '" +
			                                   std::string(code) +
			                                   "' may hold only digits and '*'");
	return Ok{};
}

// True when a and b agree up to and including their first digit, e.g.
// "*78" and login "*77*" share "*7": a PBX cannot tell them apart early.
bool share_leading_digit(std::string_view a, std::string_view b)
{
	for (size_t i = 0; i < a.size() && i < b.size() && a[i] == b[i]; ++i)
		if (a[i] >= '0' && a[i] <= '9')
			return true;
	return false;
}

Status check_other_codes(const DialPlan &p)
{
	for (const auto &c : p.other_codes) {
		if (auto s = check_code("dial code", c); !s)
			return s;
		if (share_leading_digit(c, p.login_prefix))
			return make_error("dial_plan",
			                  "dial code '" + c + "' starts like login code '" +
			                      p.login_prefix + "' (logins would be ambiguous)");
		if (is_prefix(c, p.logout_code) || is_prefix(p.logout_code, c))
			return make_error("dial_plan", "dial code '" + c +
			                                   "' is ambiguous with logout code '" +
			                                   p.logout_code + "'");
		for (const auto &o : p.other_codes)
			if (&o != &c && is_prefix(c, o))
				return make_error("dial_plan", "dial code '" + c +
				                                   "' is a prefix of dial code '" +
				                                   o + "'");
		for (const auto &e : p.emergency)
			if (is_prefix(c, e) || is_prefix(e, c))
				return make_error("dial_plan",
				                  "dial code '" + c +
				                      "' is ambiguous with emergency number '" + e +
				                      "'");
	}
	return Ok{};
}

} // namespace

std::optional<DialTerminator> parse_dial_terminator(std::string_view word)
{
	if (word == "hash")
		return DialTerminator::Hash;
	if (word == "none")
		return DialTerminator::None;
	return std::nullopt;
}

const char *dial_terminator_name(DialTerminator t)
{
	return t == DialTerminator::None ? "none" : "hash";
}

Status validate(const DialPlan &p)
{
	if (auto s = check_code("login code", p.login_prefix); !s)
		return s;
	if (auto s = check_code("logout code", p.logout_code); !s)
		return s;
	if (p.login_prefix.find_first_of("0123456789") == std::string::npos)
		return make_error("dial_plan", "login code '" + p.login_prefix + "' needs a digit");
	if (logout_shadows_login(p))
		return make_error("dial_plan", "logout code '" + p.logout_code +
		                                   "' clashes with login code '" + p.login_prefix +
		                                   "'");
	if (p.emergency.empty())
		return make_error("dial_plan", "no emergency number configured");
	for (const auto &e : p.emergency) {
		if (e.empty() || !all_digits(e))
			return make_error("dial_plan",
			                  "emergency number '" + e + "' must be digits");
		if (is_prefix(e, p.logout_code) || is_prefix(p.logout_code, e))
			return make_error("dial_plan", "emergency number '" + e +
			                                   "' is ambiguous with logout code '" +
			                                   p.logout_code + "'");
		if (could_be_code(p, e))
			return make_error("dial_plan", "emergency number '" + e +
			                                   "' is ambiguous with login code '" +
			                                   p.login_prefix + "'");
		for (const auto &o : p.emergency)
			if (&o != &e && is_prefix(e, o))
				return make_error("dial_plan", "emergency number '" + e +
				                                   "' is a prefix of '" + o + "'");
	}
	return check_other_codes(p);
}

DialMatch classify(const DialPlan &p, std::string_view buf, bool terminated)
{
	if (buf == p.logout_code)
		return {DialKind::Logout, {}};
	if (is_prefix(p.login_prefix, buf) && buf.size() > p.login_prefix.size() + 1 &&
	    buf.back() == '*') {
		const std::string_view ext =
		    buf.substr(p.login_prefix.size(), buf.size() - p.login_prefix.size() - 1);
		if (all_digits(ext) && ext.size() <= p.max_ext_len)
			return {DialKind::Login, std::string(ext)};
		return {DialKind::Invalid, N_("Unknown code")};
	}
	// A '#' typed before anything else is now part of a number
	// (DialTerminator), but it must not keep an emergency number from going
	// out at once, as it never did: "#112" is 112.
	const std::string_view bare = buf.substr(std::min(buf.find_first_not_of('#'), buf.size()));
	if (is_emergency(p, bare))
		return {DialKind::Emergency, std::string(bare)};
	if (buf.size() > p.max_number_len)
		return {DialKind::Invalid, N_("Number too long")};
	if (could_be_code(p, buf)) {
		if (!terminated)
			return {};
		if (std::string(buf) + "*" == p.logout_code)
			return {DialKind::Logout, {}};
		// "*77*100" + '#' is a login the person meant; "*7" is not a number.
		const std::string_view ext = is_prefix(p.login_prefix, buf)
		                                 ? buf.substr(p.login_prefix.size())
		                                 : std::string_view{};
		if (!ext.empty())
			return {DialKind::Login, std::string(ext)};
		return {DialKind::Invalid, buf.empty() ? "" : N_("Unknown code")};
	}
	// Starts like a login code but can no longer be one ("*77**", an
	// extension that is too long): never dial it out.
	if (is_prefix(p.login_prefix, buf))
		return {DialKind::Invalid, N_("Unknown code")};
	if (!terminated)
		return {};
	return {DialKind::Number, std::string(buf)};
}

DialMatch DigitCollector::push(char c)
{
	buf_ += c;
	DialMatch m = classify(plan_, buf_, false);
	if (m.kind != DialKind::Incomplete)
		buf_.clear();
	return m;
}

bool DigitCollector::hash_ends() const
{
	return plan_.terminator == DialTerminator::Hash && !buf_.empty();
}

DialMatch DigitCollector::expire()
{
	if (!buf_.empty() && (buf_.back() == '*' || buf_.back() == '#') &&
	    classify(plan_, buf_, true).kind == DialKind::Number)
		return {};
	return terminate();
}

DialMatch DigitCollector::terminate()
{
	DialMatch m = classify(plan_, buf_, true);
	buf_.clear();
	return m;
}

DialDecision dial_policy(const DialPlan &p, bool logged_in, std::string_view number)
{
	if (is_emergency(p, number))
		return DialDecision::Emergency;
	return logged_in ? DialDecision::Allow : DialDecision::Refuse;
}

} // namespace hotdesk
