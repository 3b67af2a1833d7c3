// SPDX-License-Identifier: BSD-3-Clause
// The phone's side of the PBX protocol (docs/protocol.md): request bodies and
// judging login responses, including hostile ones.
#include <doctest/doctest.h>

#include "agent/pbx/pbx_protocol.h"
#include "platform/re/re_cxx.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

// Test secrets: never in an assertion's text (compare with CHECK((...))).
const std::string kPw = "s3cret-pw-100";
const std::string kPin = "4711";

// A JSON string literal (enough for the test inputs).
std::string q(const std::string &s)
{
	std::string out = "\"";
	for (char c : s) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			out += c;
		}
	}
	return out + "\"";
}

// Secrets replaced, so that a failing check cannot print one.
std::string redact(std::string s)
{
	for (const std::string *secret : {&kPw, &kPin})
		for (size_t at; (at = s.find(*secret)) != std::string::npos;)
			s.replace(at, secret->size(), "<secret>");
	return s;
}

struct UserFields {
	std::string ext = "100";
	std::string name = "Alice Example";
	std::string sip_user = "100";
	std::string sip_password = kPw;
	std::string sip_domain = "127.0.0.1:5070";
};

std::string ok_body(const UserFields &u)
{
	return R"({"result":"ok","user":{"ext":)" + q(u.ext) + R"(,"name":)" + q(u.name) +
	       R"(,"sip_user":)" + q(u.sip_user) + R"(,"sip_password":)" + q(u.sip_password) +
	       R"(,"sip_domain":)" + q(u.sip_domain) + "}}";
}

std::string refused_body(const std::string &reason)
{
	return R"({"result":"refused","reason":)" + q(reason) + R"(,"message":"no"})";
}

} // namespace

TEST_CASE("pbx_protocol: an accepted login gives the user's identity")
{
	const LoginResult r = pbx_parse_login(200, ok_body(UserFields{}));
	REQUIRE(r.kind == LoginResult::Accepted);
	CHECK_FALSE(r.user.pool);
	CHECK(r.user.ext == "100");
	CHECK(r.user.name == "Alice Example");
	CHECK(r.user.sip_user == "100");
	CHECK((r.user.sip_password == kPw));
	CHECK(r.user.domain == "127.0.0.1:5070");
	CHECK(r.user.aor() == "sip:100@127.0.0.1:5070");
	CHECK(r.user.label() == "100 Alice Example");
	CHECK(r.reason.empty());

	// Extra fields are ignored; a missing name is fine.
	const LoginResult r2 = pbx_parse_login(
	    200, R"({"result":"ok","extra":[1,2],"user":{"ext":"101","sip_user":"u101",)"
	         R"("sip_password":"pw","sip_domain":"pbx.example.com","more":{"a":1}}})");
	REQUIRE(r2.kind == LoginResult::Accepted);
	CHECK(r2.user.name.empty());
	CHECK(r2.user.label() == "101");
	CHECK(r2.user.aor() == "sip:u101@pbx.example.com");
}

TEST_CASE("pbx_protocol: refusals carry the PBX's reason")
{
	struct Case {
		long status;
		std::string reason;
	};
	const std::vector<Case> cases = {
	    {403, "wrong_pin"},         {403, "locked"},      {403, "not_permitted"},
	    {404, "unknown_extension"}, {400, "bad_request"}, {401, "device_unauthorized"},
	};
	for (const auto &c : cases) {
		INFO(c.status << " " << c.reason);
		const LoginResult r = pbx_parse_login(c.status, refused_body(c.reason));
		CHECK(r.kind == LoginResult::Refused);
		CHECK(r.reason == c.reason);
		CHECK(r.user.sip_password.empty());
	}
	// A refusal without a reason still is one.
	const LoginResult r = pbx_parse_login(403, R"({"result":"refused"})");
	CHECK(r.kind == LoginResult::Refused);
	CHECK(r.reason == "refused");
}

TEST_CASE("pbx_protocol: server errors and odd combinations are Failed")
{
	struct Case {
		long status;
		std::string body;
		const char *why;
	};
	const std::vector<Case> cases = {
	    {500, R"({"result":"error"})", "HTTP 500"},
	    {500, refused_body("wrong_pin"), "HTTP 500"},
	    {502, "<html>Bad Gateway</html>", "HTTP 502"},
	    {200, refused_body("wrong_pin"), "HTTP 200"}, // refused needs a 4xx
	    {403, ok_body(UserFields{}), "HTTP 403"},     // ok needs a 200
	    {200, R"({"result":"ok"})", "no user"},
	    {200, R"({"result":"ok","user":"100"})", "no user"},
	    {200, R"({"result":"OK","user":{}})", "HTTP 200"},
	    {302, "", "HTTP 302"},
	    {403, "{", "without valid JSON"},
	};
	for (const auto &c : cases) {
		INFO(c.status << " " << redact(c.body));
		const LoginResult r = pbx_parse_login(c.status, c.body);
		CHECK(r.kind == LoginResult::Failed);
		CHECK(r.reason.find(c.why) != std::string::npos);
		CHECK(r.user.sip_password.empty());
	}
}

TEST_CASE("pbx_protocol: malformed JSON is Failed")
{
	const std::vector<std::string> bodies = {
	    "",
	    "{",
	    "null",
	    "not json",
	    R"({"result":"ok","user":{"ext":"100")",
	    R"({"result":"ok",})",
	    std::string("{\"result\":\"ok\"}\0garbage", 24),
	};
	for (const auto &b : bodies) {
		INFO("body: " << redact(b));
		const LoginResult r = pbx_parse_login(200, b);
		CHECK(r.kind == LoginResult::Failed);
		CHECK_FALSE(r.reason.empty());
	}
}

TEST_CASE("pbx_protocol: hostile SIP fields are a bad profile and no password leaks")
{
	const std::vector<std::string> hostile = {
	    "100;transport=tcp",
	    "100<sip:evil@x>",
	    "100>",
	    "10\"0",
	    "100\nVia: x",
	    "100\r",
	    "",
	    std::string(129, '1'),
	    "1 00",
	    "100\\",
	    "100@evil",
	    "100,200",
	    "a=b",
	    "\x7f",
	    std::string("1\x01", 2),
	};
	for (const auto &h : hostile) {
		INFO("hostile value: " << q(h));
		for (const char *field : {"ext", "sip_user", "sip_domain"}) {
			INFO("in " << std::string(field));
			UserFields u;
			if (std::string(field) == "ext")
				u.ext = h;
			else if (std::string(field) == "sip_user")
				u.sip_user = h;
			else
				u.sip_domain = h;
			const LoginResult r = pbx_parse_login(200, ok_body(u));
			CHECK(r.kind == LoginResult::Refused);
			CHECK(is_bad_profile(r.reason));
			CHECK(r.reason.find("user." + std::string(field)) != std::string::npos);
			CHECK(r.reason.find(kPw) == std::string::npos);
			CHECK(r.user.sip_password.empty());
		}
	}
	// A password may hold anything baresip 1.0.0 carries in its quoted
	// auth_pass (measured), but nothing that ends the line, its quoting or
	// starts a parameter.
	const std::vector<std::string> bad_pw = {
	    "pw;x=1", "p\"w", "pw\n", "", std::string(129, 'p'), "pw\\", "p\tw",
	};
	for (const auto &p : bad_pw) {
		INFO("password #" << &p - bad_pw.data());
		UserFields u;
		u.sip_password = p;
		const LoginResult r = pbx_parse_login(200, ok_body(u));
		CHECK(r.kind == LoginResult::Refused);
		CHECK(is_bad_profile(r.reason));
		CHECK(r.reason.find("user.sip_password") != std::string::npos);
		CHECK(r.user.sip_password.empty());
		if (!p.empty())
			CHECK((r.reason.find(p) == std::string::npos));
	}
	for (const std::string &p : {std::string("p@ss,w=rd"), std::string(128, 'p'),
	                             std::string("pw<"), std::string("pw>"), std::string("p w"),
	                             std::string("p\xc3\xa4ss"), std::string("pa\\ss")}) {
		INFO("password #" << p.size());
		UserFields u;
		u.sip_password = p;
		const LoginResult r = pbx_parse_login(200, ok_body(u));
		CHECK(r.kind == LoginResult::Accepted);
		CHECK((r.user.sip_password == p));
	}
	// A password sent as a number is not a password.
	const LoginResult num = pbx_parse_login(
	    200,
	    R"({"result":"ok","user":{"ext":"100","sip_user":"100","sip_password":1234,"sip_domain":"h"}})");
	CHECK(num.kind == LoginResult::Refused);
	CHECK(is_bad_profile(num.reason));
}

TEST_CASE("pbx_protocol: an accepted login without a usable user is a bad profile")
{
	for (const char *body : {R"({"result":"ok","user":{}})",
	                         R"({"result":"ok","user":{"ext":"100","sip_user":"100"}})"}) {
		INFO(body);
		const LoginResult r = pbx_parse_login(200, body);
		CHECK(r.kind == LoginResult::Refused);
		CHECK(is_bad_profile(r.reason));
		CHECK(r.user.sip_password.empty());
	}
	// Only the phone says bad_profile about a 200; a PBX refusal is its own.
	CHECK_FALSE(is_bad_profile("wrong_pin"));
}

TEST_CASE("pbx_protocol: the registrar is normalised like everywhere else")
{
	UserFields u;
	u.sip_domain = "sip:pbx.example.com:5060";
	const LoginResult r = pbx_parse_login(200, ok_body(u));
	REQUIRE(r.kind == LoginResult::Accepted);
	CHECK(r.user.domain == "pbx.example.com:5060");
	CHECK(r.user.aor() == "sip:100@pbx.example.com:5060");
}

namespace
{

std::string with_profile(const std::string &xml)
{
	std::string b = ok_body(UserFields{});
	b.pop_back();
	return b + R"(,"profile":)" + q(xml) + "}";
}

} // namespace

TEST_CASE("pbx_protocol: a user profile's decoration never fails the login")
{
	// BLF keys as URIs, a key that cannot be a key, a pickup prefix of dial
	// characters, a mailbox as a URI: the login goes on, with warnings.
	const std::string xml =
	    "<settings><phone-settings>"
	    "<user_realname idx=\"1\">Alice \"Boss\" Example</user_realname>"
	    "<user_mailbox idx=\"1\">voicemail</user_mailbox>"
	    "</phone-settings><functionKeys>"
	    "<fkey idx=\"0\" label=\"Dave\">blf sip:103@pbx.example.com;user=phone|**</fkey>"
	    "<fkey idx=\"1\">blf sip:bob@pbx.example.com</fkey>"
	    "<fkey idx=\"2\">blf 101|#*</fkey>"
	    "<fkey idx=\"3\">blf sip:pbx.example.com</fkey>"
	    "<fkey idx=\"3\">blf 104</fkey>"
	    "</functionKeys></settings>";
	std::vector<std::string> warnings;
	const LoginResult r = pbx_parse_login(200, with_profile(xml), &warnings);
	REQUIRE(r.kind == LoginResult::Accepted);
	CHECK(r.user.name == "Alice Example"); // from the user object
	CHECK(r.profile_xml == xml);
	auto warned = [&](const std::string &a, const std::string &b) {
		for (const auto &w : warnings)
			if (w.find(a) != std::string::npos && w.find(b) != std::string::npos)
				return true;
		return false;
	};
	CHECK(warnings.size() == 3);
	CHECK(warned("<user_mailbox> line 1", "'voicemail' is not a number"));
	CHECK(warned("<fkey idx=\"3\"> line 1", "has no user part"));
	CHECK(warned("<fkey idx=\"3\"> line 1", "appears twice"));
	for (const auto &w : warnings)
		CHECK(w.find(kPw) == std::string::npos);
}

TEST_CASE("pbx_protocol: a user profile that is not a profile is a bad profile")
{
	for (const std::string &xml :
	     {std::string("<settings><phone-settings>"), std::string("<config/>"),
	      std::string("not xml"), std::string(70000, ' ')}) {
		INFO(xml.substr(0, 40));
		const LoginResult r = pbx_parse_login(200, with_profile(xml));
		CHECK(r.kind == LoginResult::Refused);
		CHECK(is_bad_profile(r.reason));
		CHECK(r.reason.find("user profile") != std::string::npos);
		CHECK(r.user.sip_password.empty());
		CHECK(r.reason.find(kPw) == std::string::npos);
	}
}

TEST_CASE("pbx_protocol: display name quotes are sanitised")
{
	UserFields u;
	u.name = "Al\"ice\" \\Boss\\\nX\tY";
	const LoginResult r = pbx_parse_login(200, ok_body(u));
	REQUIRE(r.kind == LoginResult::Accepted);
	CHECK(r.user.name == "Al ice   Boss  X Y");
	CHECK(r.user.name.find_first_of("\"\\\n\t") == std::string::npos);
	// UTF-8 names pass unchanged.
	u.name = "Zoë Ölund 日本";
	const LoginResult r2 = pbx_parse_login(200, ok_body(u));
	REQUIRE(r2.kind == LoginResult::Accepted);
	CHECK(r2.user.name == "Zoë Ölund 日本");
}

TEST_CASE("pbx_protocol: request bodies are JSON objects of strings")
{
	auto login = pbx_login_body("100", kPin);
	REQUIRE(login.ok());
	ReRef<struct odict> o;
	REQUIRE(json_decode_odict(o.out(), 8, login->data(), login->size(), 2) == 0);
	CHECK(odict_count(o.get(), false) == 2);
	const struct odict_entry *ext = odict_lookup(o.get(), "ext");
	const struct odict_entry *pin = odict_lookup(o.get(), "pin");
	REQUIRE(ext);
	REQUIRE(pin);
	CHECK(ext->type == ODICT_STRING);
	CHECK(pin->type == ODICT_STRING); // "0042" must not become 42
	CHECK(odict_str(o.get(), "ext") == "100");
	CHECK((odict_str(o.get(), "pin") == kPin));

	auto odd = pbx_login_body("1\"0\\0", "0042");
	REQUIRE(odd.ok());
	REQUIRE(json_decode_odict(o.out(), 8, odd->data(), odd->size(), 2) == 0);
	CHECK(odict_str(o.get(), "ext") == "1\"0\\0");
	CHECK(odict_lookup(o.get(), "pin")->type == ODICT_STRING);

	auto logout = pbx_logout_body("100");
	REQUIRE(logout.ok());
	REQUIRE(json_decode_odict(o.out(), 8, logout->data(), logout->size(), 2) == 0);
	CHECK(odict_count(o.get(), false) == 1);
	CHECK(odict_str(o.get(), "ext") == "100");

	auto why = pbx_logout_body("100", "idle");
	REQUIRE(why.ok());
	REQUIRE(json_decode_odict(o.out(), 8, why->data(), why->size(), 2) == 0);
	CHECK(odict_count(o.get(), false) == 2);
	CHECK(odict_str(o.get(), "reason") == "idle");
}

TEST_CASE("pbx_protocol: the answer to a resume (newest login wins)")
{
	struct Case {
		long status;
		std::string body;
		LoginResult::Kind kind;
		std::string reason;
	};
	const std::vector<Case> cases = {
	    {200, R"({"result":"ok"})", LoginResult::Accepted, ""},
	    {409, R"({"result":"refused","reason":"moved","message":"x"})", LoginResult::Refused,
	     "moved"},
	    {404, R"({"result":"refused","reason":"unknown_extension"})", LoginResult::Refused,
	     "unknown_extension"},
	    {401, R"({"result":"refused","reason":"device_unauthorized"})", LoginResult::Refused,
	     "device_unauthorized"},
	    {409, R"({"result":"refused"})", LoginResult::Refused, "refused"},
	    {500, R"({"result":"refused","reason":"internal_error"})", LoginResult::Failed, ""},
	    {502, "<html>bad gateway</html>", LoginResult::Failed, ""},
	    {200, R"({"result":"refused"})", LoginResult::Failed, ""},
	};
	for (const auto &c : cases) {
		INFO(c.status << " " << c.body);
		const LoginResult r = pbx_parse_resume(c.status, c.body);
		CHECK(r.kind == c.kind);
		if (c.kind == LoginResult::Refused)
			CHECK(r.reason == c.reason);
		CHECK(r.user.ext.empty());
	}
	auto body = pbx_resume_body("100");
	REQUIRE(body.ok());
	ReRef<struct odict> o;
	REQUIRE(json_decode_odict(o.out(), 8, body->data(), body->size(), 2) == 0);
	CHECK(odict_count(o.get(), false) == 1);
	CHECK(odict_str(o.get(), "ext") == "100");
}

// issue 14, kind 11: the phone lost its state and asks who sits here.
TEST_CASE("pbx_protocol: the answer to a lost state names the person as a login does")
{
	auto ok_lost = [](const std::string &top_ext, const UserFields &u) {
		std::string b = ok_body(u);
		return R"({"ext":)" + q(top_ext) + "," + b.substr(1);
	};
	struct Case {
		const char *what;
		long status;
		std::string body;
		LoginResult::Kind kind;
		std::string reason; // for Refused; "bad_profile" matches by prefix
		std::string ext;    // the top-level ext reported
	};
	UserFields bad_domain;
	bad_domain.sip_domain = "sips:127.0.0.1";
	const std::vector<Case> cases = {
	    {"ok", 200, ok_lost("100", UserFields{}), LoginResult::Accepted, "", "100"},
	    {"nobody", 200, R"({"result":"none"})", LoginResult::Refused, "none", ""},
	    {"no top-level ext", 200, ok_body(UserFields{}), LoginResult::Failed, "", ""},
	    {"a bad top-level ext", 200, ok_lost("1 0", UserFields{}), LoginResult::Failed, "", ""},
	    {"ext and user.ext differ", 200, ok_lost("101", UserFields{}), LoginResult::Refused,
	     "bad_profile", "101"},
	    {"unusable user", 200, ok_lost("100", bad_domain), LoginResult::Refused, "bad_profile",
	     "100"},
	    {"an old PBX: no ext", 400, refused_body("bad_request"), LoginResult::Refused,
	     "bad_request", ""},
	    {"device refused", 401, refused_body("device_unauthorized"), LoginResult::Refused,
	     "device_unauthorized", ""},
	    {"server error", 503, R"({"result":"none"})", LoginResult::Failed, "", ""},
	    {"not JSON", 502, "<html>bad gateway</html>", LoginResult::Failed, "", ""},
	    {"an unknown result", 200, R"({"result":"nobody"})", LoginResult::Failed, "", ""},
	    // A 4xx but 408/429 ends the question whatever its body: an older
	    // PBX answers a bare 400 and asking again would never end.
	    {"an old PBX: a bare 400", 400, "", LoginResult::Refused, "HTTP 400", ""},
	    {"a 404 page", 404, "<html>not found</html>", LoginResult::Refused, "HTTP 404", ""},
	    {"a 405 with other JSON", 405, R"({"error":"method"})", LoginResult::Refused,
	     "HTTP 405", ""},
	    // 408 and 429 ask for the request later: asked again with backoff.
	    {"request timeout", 408, "", LoginResult::Failed, "", ""},
	    {"too many requests", 429, refused_body("too_many"), LoginResult::Failed, "", ""},
	    {"a bare 500", 500, "", LoginResult::Failed, "", ""},
	};
	for (const auto &c : cases) {
		INFO(c.what << ": " << c.status << " " << redact(c.body));
		std::string ext;
		const LoginResult r = pbx_parse_lost(c.status, c.body, &ext);
		CHECK(r.kind == c.kind);
		CHECK(ext == c.ext);
		if (c.kind == LoginResult::Refused)
			CHECK(r.reason.compare(0, c.reason.size(), c.reason) == 0);
		if (c.kind == LoginResult::Accepted) {
			CHECK(r.user.ext == "100");
			CHECK((r.user.sip_password == kPw));
			CHECK(r.user.aor() == "sip:100@127.0.0.1:5070");
		} else {
			CHECK(r.user.sip_password.empty());
			CHECK(r.reason.find(kPw) == std::string::npos);
		}
	}
	// The request names nobody: the phone does not know who sat here.
	const std::string body = pbx_lost_body();
	ReRef<struct odict> o;
	REQUIRE(json_decode_odict(o.out(), 8, body.data(), body.size(), 2) == 0);
	CHECK(odict_count(o.get(), false) == 1);
	bool lost = false;
	CHECK(odict_get_boolean(o.get(), &lost, "lost"));
	CHECK(lost);
}
