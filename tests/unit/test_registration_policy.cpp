// SPDX-License-Identifier: BSD-3-Clause
#include "agent/core/registration_policy.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace hotdesk;

using A = RegisterAnswer;
using H = RegisterHolder;
using R = RegisterAction;

// What baresip 1.0.0 put in REGISTER_OK / REGISTER_FAIL's `param` in the
// measured runs (docs/reliability.md), and what the policy makes of it.
TEST_CASE("registration policy: baresip's event text, read and put into words")
{
	struct Case {
		bool ok;
		const char *param;
		A answer;
		unsigned code;
		const char *display;
		const char *log;
	};
	const std::vector<Case> cases = {
	    {true, "200 OK", A::Registered, 200, "", "200 OK"},
	    {false, "401 Unauthorized", A::AuthRefused, 401, "Password refused (401)",
	     "401 Unauthorized"},
	    {false, "407 Proxy Authentication Required", A::AuthRefused, 407,
	     "Password refused (407)", "407 Proxy Authentication Required"},
	    {false, "403 Forbidden", A::Forbidden, 403, "Registration refused (403)",
	     "403 Forbidden"},
	    {false, "423 Interval Too Brief", A::IntervalTooBrief, 423,
	     "Registration refused (423)", "423 Interval Too Brief"},
	    {false, "503 Service Unavailable", A::Unavailable, 503, "Registrar busy (503)",
	     "503 Service Unavailable"},
	    {false, "500 Server Internal Error", A::Unavailable, 500, "Registrar busy (500)",
	     "500 Server Internal Error"},
	    {false, "404 Not Found", A::OtherRefusal, 404, "Registration refused (404)",
	     "404 Not Found"},
	    {false, "603 Decline", A::OtherRefusal, 603, "Registration refused (603)",
	     "603 Decline"},
	    {false, "408 Request Timeout", A::NoAnswer, 408, "Registrar not answering",
	     "408 Request Timeout"},
	    {false, "Connection timed out", A::NoAnswer, 0, "Registrar not answering",
	     "no answer (Connection timed out)"},
	    {false, "", A::NoAnswer, 0, "Registrar not answering", "no answer (none)"},
	    {false, "4030 odd", A::NoAnswer, 0, "Registrar not answering", "no answer (4030 odd)"},
	    {false, "99 x", A::NoAnswer, 0, "Registrar not answering", "no answer (99 x)"},
	    {false, "503", A::Unavailable, 503, "Registrar busy (503)", "503"},
	};
	for (const auto &c : cases) {
		INFO("param: " << c.param);
		const RegisterStatus s = parse_register_param(c.ok, c.param);
		CHECK(s.answer == c.answer);
		CHECK(s.code == c.code);
		CHECK(register_display_text(s) == c.display);
		CHECK(register_display_text(s).size() <= 26);
		CHECK(register_log_text(s) == c.log);
	}
}

TEST_CASE("registration policy: what happens next, for each holder")
{
	struct Case {
		A answer;
		R pool, person, joining;
	};
	// clang-format off
	const std::vector<Case> cases = {
	    {A::Registered,       R::Nothing,    R::Nothing,    R::Nothing},
	    {A::AuthRefused,      R::KeepTrying, R::DropPerson, R::RollBack},
	    {A::Forbidden,        R::KeepTrying, R::DropPerson, R::RollBack},
	    {A::IntervalTooBrief, R::KeepTrying, R::KeepTrying, R::RollBack},
	    {A::Unavailable,      R::KeepTrying, R::KeepTrying, R::RollBack},
	    {A::OtherRefusal,     R::KeepTrying, R::KeepTrying, R::RollBack},
	    {A::NoAnswer,         R::KeepTrying, R::KeepTrying, R::RollBack},
	};
	// clang-format on
	for (const auto &c : cases) {
		INFO("answer: " << register_answer_name(c.answer));
		CHECK(register_action(c.answer, H::Pool) == c.pool);
		CHECK(register_action(c.answer, H::Person) == c.person);
		CHECK(register_action(c.answer, H::Joining) == c.joining);
		// Only a definite refusal ever drops a person; the pool is never
		// dropped (emergency calls go out on it).
		CHECK((register_action(c.answer, H::Person) == R::DropPerson) ==
		      register_definite(c.answer));
		CHECK(register_action(c.answer, H::Pool) != R::DropPerson);
	}
}

TEST_CASE("registration policy: the table has exactly one row per answer and holder")
{
	std::set<std::pair<int, int>> seen;
	for (auto *r = register_policy_begin(); r != register_policy_end(); ++r)
		CHECK(
		    seen.insert({static_cast<int>(r->answer), static_cast<int>(r->holder)}).second);
	CHECK(seen.size() == 7 * 3);
}
