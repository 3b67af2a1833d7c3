// SPDX-License-Identifier: BSD-3-Clause
#include "registration_policy.h"

#include "i18n.h"

#include <cctype>
#include <iterator>

namespace hotdesk
{

using A = RegisterAnswer;
using H = RegisterHolder;
using R = RegisterAction;

// clang-format off
// The whole policy. A login's swap always rolls back (the person never
// becomes the occupant on an account that did not register). The pool keeps
// its account whatever the answer: emergency calls go out on it, and a pool
// account that never registers is still tried by libre. A committed person
// whose credentials are refused for good goes back to the pool; anything
// that may pass (a busy or unreachable registrar) keeps the person.
const RegisterPolicyRow kPolicy[] = {
	// answer                 holder          action
	{A::Registered,       H::Pool,        R::Nothing},
	{A::Registered,       H::Person,      R::Nothing},
	{A::Registered,       H::Joining,     R::Nothing},
	{A::AuthRefused,      H::Pool,        R::KeepTrying},
	{A::AuthRefused,      H::Person,      R::DropPerson},
	{A::AuthRefused,      H::Joining,     R::RollBack},
	{A::Forbidden,        H::Pool,        R::KeepTrying},
	{A::Forbidden,        H::Person,      R::DropPerson},
	{A::Forbidden,        H::Joining,     R::RollBack},
	{A::IntervalTooBrief, H::Pool,        R::KeepTrying},
	{A::IntervalTooBrief, H::Person,      R::KeepTrying},
	{A::IntervalTooBrief, H::Joining,     R::RollBack},
	{A::Unavailable,      H::Pool,        R::KeepTrying},
	{A::Unavailable,      H::Person,      R::KeepTrying},
	{A::Unavailable,      H::Joining,     R::RollBack},
	{A::OtherRefusal,     H::Pool,        R::KeepTrying},
	{A::OtherRefusal,     H::Person,      R::KeepTrying},
	{A::OtherRefusal,     H::Joining,     R::RollBack},
	{A::NoAnswer,         H::Pool,        R::KeepTrying},
	{A::NoAnswer,         H::Person,      R::KeepTrying},
	{A::NoAnswer,         H::Joining,     R::RollBack},
};
// clang-format on

const RegisterPolicyRow *register_policy_begin()
{
	return std::begin(kPolicy);
}
const RegisterPolicyRow *register_policy_end()
{
	return std::end(kPolicy);
}

const char *register_answer_name(RegisterAnswer a)
{
	switch (a) {
	case A::Registered:
		return "registered";
	case A::AuthRefused:
		return "auth-refused";
	case A::Forbidden:
		return "forbidden";
	case A::IntervalTooBrief:
		return "interval-too-brief";
	case A::Unavailable:
		return "unavailable";
	case A::OtherRefusal:
		return "refused";
	case A::NoAnswer:
		return "no-answer";
	}
	return "?";
}

const char *register_action_name(RegisterAction a)
{
	switch (a) {
	case R::Nothing:
		return "nothing";
	case R::KeepTrying:
		return "keep-trying";
	case R::DropPerson:
		return "drop-person";
	case R::RollBack:
		return "roll-back";
	}
	return "?";
}

RegisterStatus parse_register_param(bool ok, const std::string &param)
{
	RegisterStatus s;
	size_t i = 0;
	unsigned code = 0;
	while (i < param.size() && i < 3 && std::isdigit(static_cast<unsigned char>(param[i])))
		code = code * 10 + static_cast<unsigned>(param[i++] - '0');
	const bool status_line =
	    i == 3 && code >= 100 && code <= 699 && (i == param.size() || param[i] == ' ');
	if (!status_line) {
		s.answer = ok ? A::Registered : A::NoAnswer;
		s.reason = param;
		return s;
	}
	s.code = code;
	s.reason = i < param.size() ? param.substr(i + 1) : std::string();
	if (code >= 200 && code < 300)
		s.answer = A::Registered;
	else if (code == 401 || code == 407)
		s.answer = A::AuthRefused;
	else if (code == 403)
		s.answer = A::Forbidden;
	else if (code == 423)
		s.answer = A::IntervalTooBrief;
	else if (code >= 500 && code < 600)
		s.answer = A::Unavailable;
	else if (code == 408)
		s.answer = A::NoAnswer; // libre's own transaction timeout
	else
		s.answer = A::OtherRefusal;
	return s;
}

RegisterAction register_action(RegisterAnswer answer, RegisterHolder holder)
{
	for (const auto &r : kPolicy)
		if (r.answer == answer && r.holder == holder)
			return r.action;
	return R::KeepTrying; // unreachable: the table covers every pair (unit test)
}

bool register_definite(RegisterAnswer answer)
{
	return answer == A::AuthRefused || answer == A::Forbidden;
}

std::string register_display_text(const RegisterStatus &s)
{
	const std::string code = std::to_string(s.code);
	switch (s.answer) {
	case A::Registered:
		return "";
	case A::AuthRefused:
		// TRANSLATORS: %s is the registrar's SIP status code (401).
		return trf("Password refused (%s)", {code});
	case A::Forbidden:
	case A::IntervalTooBrief:
	case A::OtherRefusal:
		return trf("Registration refused (%s)", {code});
	case A::Unavailable:
		return trf("Registrar busy (%s)", {code});
	case A::NoAnswer:
		return tr("Registrar not answering");
	}
	return "";
}

std::string register_log_text(const RegisterStatus &s)
{
	if (s.answer == A::NoAnswer && s.code == 0)
		return "no answer (" + (s.reason.empty() ? std::string("none") : s.reason) + ")";
	return std::to_string(s.code) + (s.reason.empty() ? "" : " " + s.reason);
}

} // namespace hotdesk
