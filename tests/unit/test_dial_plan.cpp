// SPDX-License-Identifier: BSD-3-Clause
// Dial plan: feature codes, emergency numbers, the digit collector, the
// dial policy and validate().
#include <doctest/doctest.h>

#include "agent/core/dial_plan.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

const char *kind_name(DialKind k)
{
	switch (k) {
	case DialKind::Incomplete:
		return "Incomplete";
	case DialKind::Login:
		return "Login";
	case DialKind::Logout:
		return "Logout";
	case DialKind::Emergency:
		return "Emergency";
	case DialKind::Number:
		return "Number";
	case DialKind::Invalid:
		return "Invalid";
	}
	return "?";
}

// "Kind" or "Kind:value", for compact expectations.
std::string show(const DialMatch &m)
{
	std::string s = kind_name(m.kind);
	if (!m.value.empty())
		s += ":" + m.value;
	return s;
}

// Push every character of `typed`; return what each push gave.
std::vector<std::string> type_all(DigitCollector &c, const std::string &typed)
{
	std::vector<std::string> out;
	for (char ch : typed)
		out.push_back(show(c.push(ch)));
	return out;
}

std::vector<std::string> incomplete(size_t n)
{
	return std::vector<std::string>(n, "Incomplete");
}

} // namespace

TEST_CASE("dial plan: the default plan is valid")
{
	const DialPlan p;
	CHECK(validate(p).ok());
}

TEST_CASE("dial plan: ambiguous prefixes *7, *77, *77*10 wait, then terminate")
{
	const DialPlan p;
	DigitCollector c(p);
	CHECK(type_all(c, "*77*10") == incomplete(6));
	CHECK(c.text() == "*77*10");
	CHECK(show(c.terminate()) == "Login:10"); // "*77*10" + '#' is the login the person meant
	CHECK(c.empty());

	CHECK(type_all(c, "*7") == incomplete(2));
	CHECK(show(c.terminate()) == "Invalid:Unknown code"); // not a number either
	CHECK(type_all(c, "*77") == incomplete(3));
	CHECK(show(c.terminate()) == "Invalid:Unknown code");
	CHECK(type_all(c, "*77*") == incomplete(4));
	CHECK(show(c.terminate()) == "Invalid:Unknown code");
	CHECK(c.empty());
}

TEST_CASE("dial plan: login *77*<ext>* matches on the closing star")
{
	const DialPlan p;
	DigitCollector c(p);
	std::vector<std::string> want = incomplete(7);
	want.push_back("Login:100");
	CHECK(type_all(c, "*77*100*") == want);
	CHECK(c.empty());

	// The longest extension allowed, then one digit too many.
	const std::string ten(p.max_ext_len, '9');
	CHECK(show(classify(p, "*77*" + ten + "*", false)) == "Login:" + ten);
	CHECK(show(classify(p, "*77*" + ten + "9*", false)) == "Invalid:Unknown code");
}

TEST_CASE("dial plan: logout *77*5* and *77*5 + terminate")
{
	const DialPlan p;
	DigitCollector c(p);
	std::vector<std::string> want = incomplete(5);
	want.push_back("Logout");
	CHECK(type_all(c, "*77*5*") == want);
	CHECK(c.empty());

	CHECK(type_all(c, "*77*5") == incomplete(5));
	CHECK(show(c.terminate()) == "Logout");

	// "*77*55*" is the login of extension 55, not a logout.
	CHECK(show(classify(p, "*77*55*", false)) == "Login:55");
}

TEST_CASE("dial plan: an emergency number matches at once, terminated or not")
{
	const DialPlan p;
	DigitCollector c(p);
	CHECK(type_all(c, "112") ==
	      std::vector<std::string>{"Incomplete", "Incomplete", "Emergency:112"});
	CHECK(c.empty());
	CHECK(type_all(c, "911") ==
	      std::vector<std::string>{"Incomplete", "Incomplete", "Emergency:911"});
	CHECK(show(classify(p, "112", true)) == "Emergency:112");
	CHECK(show(classify(p, "911", false)) == "Emergency:911");
	// Not a suffix match: 5112 is an ordinary number.
	CHECK(show(classify(p, "5112", false)) == "Incomplete");
	CHECK(show(classify(p, "5112", true)) == "Number:5112");
}

TEST_CASE("dial plan: star codes that are no feature code go out as numbers when terminated")
{
	const DialPlan p;
	DigitCollector c(p);
	CHECK(type_all(c, "*98") == incomplete(3));
	CHECK(show(c.terminate()) == "Number:*98");
	CHECK(type_all(c, "200") == incomplete(3));
	CHECK(show(c.terminate()) == "Number:200");
	CHECK(show(classify(p, "*7*1", true)) == "Number:*7*1");
}

TEST_CASE("dial plan: a buffer that starts like a login code never goes out as a number")
{
	const DialPlan p;
	// An extension longer than max_ext_len, and a double star.
	const std::string too_long = "*77*" + std::string(p.max_ext_len + 1, '1');
	CHECK(show(classify(p, too_long, false)) == "Invalid:Unknown code");
	CHECK(show(classify(p, too_long, true)) == "Invalid:Unknown code");
	CHECK(show(classify(p, "*77**", false)) == "Invalid:Unknown code");
	CHECK(show(classify(p, "*77**", true)) == "Invalid:Unknown code");
}

TEST_CASE("dial plan: too long numbers are refused while typing")
{
	const DialPlan p;
	DigitCollector c(p);
	const std::string max(p.max_number_len, '5');
	CHECK(type_all(c, max) == incomplete(max.size()));
	CHECK(show(c.push('5')) == "Invalid:Number too long");
	CHECK(c.empty());
	CHECK(show(classify(p, max, true)) == "Number:" + max);
}

TEST_CASE("dial plan: terminating an empty buffer is a silent cancel")
{
	const DialPlan p;
	DigitCollector c(p);
	const DialMatch m = c.terminate();
	CHECK(m.kind == DialKind::Invalid);
	CHECK(m.value.empty());
}

TEST_CASE("dial plan: a configured plan works the same way")
{
	DialPlan p;
	p.login_prefix = "*5*";
	p.logout_code = "*6*";
	p.emergency = {"999", "112"};
	REQUIRE(validate(p).ok());
	CHECK(show(classify(p, "*5*42*", false)) == "Login:42");
	CHECK(show(classify(p, "*6*", false)) == "Logout");
	CHECK(show(classify(p, "*6", true)) == "Logout");
	CHECK(show(classify(p, "999", false)) == "Emergency:999");
	CHECK(show(classify(p, "911", true)) == "Number:911");
	CHECK(show(classify(p, "*77*100*", true)) == "Number:*77*100*");
}

TEST_CASE("dial plan: validate() names both codes that clash")
{
	struct Case {
		const char *what;
		DialPlan plan;
		std::vector<std::string> named; // every one must appear in the error
	};
	auto plan = [](std::string login, std::string logout, std::vector<std::string> em) {
		DialPlan p;
		p.login_prefix = std::move(login);
		p.logout_code = std::move(logout);
		p.emergency = std::move(em);
		return p;
	};
	const std::vector<Case> cases = {
	    {"emergency number prefix of another",
	     plan("*77*", "*77*5*", {"11", "112"}),
	     {"'11'", "'112'"}},
	    {"same emergency number twice",
	     plan("*77*", "*77*5*", {"112", "112"}),
	     {"'112'", "prefix"}},
	    {"emergency number ambiguous with a digit login code",
	     plan("11", "*9*", {"112"}),
	     {"'112'", "'11'", "login code"}},
	    {"emergency number a prefix of the login code",
	     plan("1122*", "*9*", {"112"}),
	     {"'112'", "'1122*'", "login code"}},
	    {"emergency number a prefix of the logout code",
	     plan("*77*", "9*", {"9"}),
	     {"'9'", "'9*'", "logout code"}},
	    {"logout code a prefix of an emergency number",
	     plan("*77*", "1", {"12"}),
	     {"'12'", "'1'", "logout code"}},
	    {"logout code a prefix of the login code",
	     plan("*77*", "*7", {"112"}),
	     {"'*7'", "'*77*'"}},
	    {"logout code equal to the login code",
	     plan("*77*", "*77*", {"112"}),
	     {"'*77*'", "logout"}},
	    {"logout code swallows longer extensions",
	     plan("*77*", "*77*5", {"112"}),
	     {"'*77*5'", "'*77*'"}},
	    {"logout code behind a whole login code",
	     plan("*77*", "*77*5*9", {"112"}),
	     {"'*77*5*9'", "'*77*'"}},
	    {"empty login code", plan("", "*77*5*", {"112"}), {"login code is empty"}},
	    {"empty logout code", plan("*77*", "", {"112"}), {"logout code is empty"}},
	    {"empty emergency number", plan("*77*", "*77*5*", {""}), {"emergency number ''"}},
	    {"no emergency number", plan("*77*", "*77*5*", {}), {"no emergency number"}},
	    {"bad character in login code",
	     plan("*77#", "*77*5*", {"112"}),
	     {"'*77#'", "only digits"}},
	    {"bad character in logout code",
	     plan("*77*", "*77*5#", {"112"}),
	     {"'*77*5#'", "only digits"}},
	    {"letter in emergency number", plan("*77*", "*77*5*", {"11a"}), {"'11a'", "digits"}},
	    {"star in emergency number", plan("*77*", "*77*5*", {"1*2"}), {"'1*2'", "digits"}},
	    {"login code without a digit", plan("***", "*77*5*", {"112"}), {"'***'", "digit"}},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.what));
		const Status s = validate(c.plan);
		REQUIRE_FALSE(s.ok());
		const std::string msg = s.error().str();
		INFO(msg);
		for (const auto &n : c.named)
			CHECK(msg.find(n) != std::string::npos);
	}

	// A logout code that is one login code itself is fine (extension 5
	// cannot hot desk), as is a logout code unrelated to the login code.
	CHECK(validate(plan("*77*", "*77*5*", {"112"})).ok());
	CHECK(validate(plan("*77*", "*78*", {"112"})).ok());
	CHECK(validate(plan("*77*", "*77*", {"112"})).error().where == "dial_plan");
}

TEST_CASE("dial plan: dial_policy idle vs logged in")
{
	const DialPlan p;
	CHECK(dial_policy(p, false, "112") == DialDecision::Emergency);
	CHECK(dial_policy(p, false, "911") == DialDecision::Emergency);
	CHECK(dial_policy(p, false, "200") == DialDecision::Refuse);
	CHECK(dial_policy(p, false, "*98") == DialDecision::Refuse);
	CHECK(dial_policy(p, false, "1120") == DialDecision::Refuse);
	CHECK(dial_policy(p, true, "112") == DialDecision::Emergency);
	CHECK(dial_policy(p, true, "200") == DialDecision::Allow);
	CHECK(dial_policy(p, true, "*98") == DialDecision::Allow);
}

namespace
{

// Keys as the session feeds the collector: '#' ends the number when
// hash_ends() and is a dial character otherwise; 'S' is Send, 'T' the
// inter-digit timeout. Returns every match that is not Incomplete.
std::vector<std::string> keys_through(DigitCollector &c, const std::string &typed)
{
	std::vector<std::string> out;
	for (char ch : typed) {
		DialMatch m;
		if (ch == 'S' || (ch == '#' && c.hash_ends()))
			m = c.terminate();
		else if (ch == 'T')
			m = c.expire();
		else
			m = c.push(ch);
		if (m.kind != DialKind::Incomplete)
			out.push_back(show(m));
	}
	return out;
}

} // namespace

TEST_CASE("dial plan: the dial terminator decides what '#' is (issue 14 kind 3)")
{
	struct Case {
		const char *name;
		DialTerminator term;
		std::string typed;
		std::vector<std::string> want;
		std::string left; // what the collector still holds
	};
	const auto H = DialTerminator::Hash;
	const auto N = DialTerminator::None;
	// clang-format off
	const std::vector<Case> cases = {
		{"none: *31# + number + Send is one number", N, "*31#0301234567S", {"Number:*31#0301234567"}, ""},
		{"hash: '#' ends the number, as configured", H, "*31#0301234567S", {"Number:*31", "Number:0301234567"}, ""},
		{"hash: a leading '#' is part of the number", H, "#*103S", {"Number:#*103"}, ""},
		{"none: a leading '#' is part of the number", N, "#*103S", {"Number:#*103"}, ""},
		{"none: '#' inside a code", N, "#31#0301S", {"Number:#31#0301"}, ""},
		{"none: a pause after '#' waits for Send", N, "*31#T", {}, "*31#"},
		{"none: ... and Send dials it", N, "*31#TS", {"Number:*31#"}, ""},
		{"none: a pause after '*' waits for Send", N, "*21*T", {}, "*21*"},
		{"none: a pause after digits dials them", N, "0301T", {"Number:0301"}, ""},
		{"hash: a pause after digits dials them", H, "0301T", {"Number:0301"}, ""},
		{"none: 112 at once", N, "112", {"Emergency:112"}, ""},
		{"hash: 911 at once", H, "911", {"Emergency:911"}, ""},
		{"hash: a stray '#' never delays 112", H, "#112", {"Emergency:112"}, ""},
		{"none: a stray '#' never delays 112", N, "##112", {"Emergency:112"}, ""},
		{"none: 112 inside a number is no emergency call", N, "0112S", {"Number:0112"}, ""},
		{"none: login code unchanged", N, "*77*100*", {"Login:100"}, ""},
		{"none: login code with Send", N, "*77*100S", {"Login:100"}, ""},
		{"none: '#' in a login code is never dialled", N, "*77*10#", {"Invalid:Unknown code"}, ""},
		{"none: logout code unchanged", N, "*77*5*", {"Logout"}, ""},
		{"hash: login code closed by '#'", H, "*77*100#", {"Login:100"}, ""},
		{"none: a pause in a login code", N, "*77*T", {"Invalid:Unknown code"}, ""},
		{"hash: '#' alone then Send", H, "#S", {"Number:#"}, ""},
	};
	// clang-format on
	for (const auto &tc : cases) {
		INFO(tc.name);
		DialPlan p;
		p.terminator = tc.term;
		p.emergency = {"112", "110", "911"};
		REQUIRE(validate(p));
		DigitCollector c(p);
		CHECK(keys_through(c, tc.typed) == tc.want);
		CHECK(c.text() == tc.left);
	}
}

TEST_CASE("dial plan: dial terminator words")
{
	CHECK(parse_dial_terminator("hash") == DialTerminator::Hash);
	CHECK(parse_dial_terminator("none") == DialTerminator::None);
	CHECK_FALSE(parse_dial_terminator("#"));
	CHECK_FALSE(parse_dial_terminator("Hash"));
	CHECK_FALSE(parse_dial_terminator(""));
	CHECK(std::string(dial_terminator_name(DialTerminator::None)) == "none");
	CHECK(std::string(dial_terminator_name(DialTerminator::Hash)) == "hash");
}
