// SPDX-License-Identifier: BSD-3-Clause
// The one check of account-line values (agent/core/account_values.h): every
// instance of "screened for syntax, not for whether baresip 1.0.0 can use
// it" from the provisioning-faults issue, and what baresip's account-line
// parser (src/account.c at v1.0.0, libre 1.1.0's msg_param_decode) makes of
// the values we let through.
#include "agent/core/account_line.h"
#include "agent/core/account_values.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

struct Norm {
	const char *in;
	const char *out;
};

struct Bad {
	std::string in;
	const char *why; // part of the error text
};

template <class F> void check_normalises(F check, const std::vector<Norm> &cases)
{
	for (const auto &c : cases) {
		INFO("value: " << c.in);
		auto r = check(c.in);
		REQUIRE_MESSAGE(r.ok(), r.error().what);
		CHECK(*r == c.out);
	}
}

template <class F> void check_rejects(F check, const std::vector<Bad> &cases)
{
	for (const auto &c : cases) {
		INFO("value: " << c.in);
		auto r = check(c.in);
		REQUIRE_FALSE(r.ok());
		CHECK(r.error().where.empty()); // the caller names the element and line
		CHECK_MESSAGE(r.error().what.find(c.why) != std::string::npos, r.error().what);
	}
}

// How often libre's msg_param_decode would find ";name=" in the line: it
// searches the whole parameter text after the URI's '>', quoted values
// included.
size_t param_count(const std::string &line, const std::string &name)
{
	size_t n = 0;
	const size_t params = line.find('>', line.find("<sip:"));
	for (size_t at = line.find(";" + name + "=", params); at != std::string::npos;
	     at = line.find(";" + name + "=", at + 1))
		++n;
	return n;
}

} // namespace

TEST_CASE("account values: outbound proxies in the forms templates write are normalised")
{
	check_normalises(check_outbound,
	                 {
	                     // the Snom scheme-less forms of the issue
	                     {"127.0.0.1:5070;transport=udp", "sip:127.0.0.1:5070;transport=udp"},
	                     {"127.0.0.1", "sip:127.0.0.1"},
	                     {"[::1]:5070", "sip:[::1]:5070"},
	                     {"sbc.example.com;transport=TCP", "sip:sbc.example.com;transport=tcp"},
	                     // already right, or one meaning spelt differently
	                     {"sip:sbc.example.com:5060;transport=udp",
	                      "sip:sbc.example.com:5060;transport=udp"},
	                     {"SIP:sbc.example.com", "sip:sbc.example.com"},
	                     {"<sip:sbc.example.com;lr>", "sip:sbc.example.com;lr"},
	                     {"sip:[2001:db8::1]:5060;transport=tls;lr",
	                      "sip:[2001:db8::1]:5060;transport=tls;lr"},
	                     {"", ""},
	                 });
}

TEST_CASE("account values: outbound proxies baresip 1.0.0 cannot use are errors")
{
	check_rejects(check_outbound,
	              {
	                  {"sips:127.0.0.1:5061", "sips: is not supported"},
	                  {"SIPS:sbc.example.com", "sips: is not supported"},
	                  {"tel:+4930123", "only sip: URIs"},
	                  {"http://sbc.example.com", "only sip: URIs"},
	                  {"sip:proxy@sbc.example.com", "without a user"},
	                  {"sip:sbc.example.com;regint=0", "';regint=0' is not supported"},
	                  {"sip:sbc.example.com;auth_pass=x", "is not supported"},
	                  {"sip:sbc.example.com;transport=ws", "transport must be udp, tcp or tls"},
	                  {"sip:sbc.example.com;;lr", "empty URI parameter"},
	                  {"sip:sbc.example.com?Route=x", "headers"},
	                  {"sip:sbc.example.com:0", "port must be"},
	                  {"sbc.example.com:99999", "port must be"},
	                  {"sip:sbc.example.com:50a", "port must be"},
	                  {"sip:256.1.1.1", "not an IPv4 address"},
	                  {"sip:10.0.0", "not an IPv4 address"},
	                  {"sip:::1", "needs brackets"},
	                  {"sip:[::1", "without ']'"},
	                  {"sip:[zz::1]", "not an IPv6 address"},
	                  {"sip:[::1]x", "after ']'"},
	                  {"sip:sbc\"x", "'\"'"},
	                  {"sip:sb c", "a blank"},
	                  {"sip:sbc>", "'>'"},
	                  {"sip:", "no host"},
	                  {"sip:-sbc.example.com", "starts or ends with '-'"},
	                  {"sip:sbc..example.com", "empty label"},
	                  {"sip:sbc.example.com.", "empty label"},
	                  {"sip:sbc_1.example.com", "'_'"},
	                  {"sip:" + std::string(300, 'a'), "longer than 288"},
	              });
}

TEST_CASE("account values: registrars are host[:port], nothing baresip would mangle")
{
	check_normalises(check_registrar, {
	                                      {"pbx.example.com:5060", "pbx.example.com:5060"},
	                                      {"127.0.0.1", "127.0.0.1"},
	                                      {"[::1]:5070", "[::1]:5070"},
	                                      {"sip:pbx.example.com", "pbx.example.com"},
	                                      {"PBX.Example.COM", "PBX.Example.COM"},
	                                  });
	check_rejects(check_registrar,
	              {
	                  {"", "empty"},
	                  {"sip:", "empty"},
	                  {"sips:pbx.example.com", "sips: is not supported"},
	                  {"pbx.example.com;transport=tcp", "put ';transport=' on the outbound"},
	                  {"h;maddr=x", "URI parameters"},
	                  {"pbx.example.com:5060/path", "path"},
	                  {"pbx.example.com?x=y", "headers"},
	                  {"100@pbx.example.com", "without a user"},
	                  {"pbx.example.com:0", "port must be"},
	                  {"pbx.example.com:65536", "port must be"},
	                  {"pbx.example.com:5060abc", "port must be"},
	                  {"pbx.example.com:", "port must be"},
	                  {"pbx example.com", "a blank"},
	                  {"pbx.example.com.", "empty label"},
	                  {"127.0.0.1.", "not an IPv4 address"},
	                  {"::1", "needs brackets"},
	                  {"pbx_1.example.com", "'_'"},
	                  {"pbx\nVia", "0x0a"},
	                  {std::string(260, 'a'), "longer than"},
	              });
}

TEST_CASE("account values: SIP users are what a SIP URI's user part carries unescaped")
{
	check_normalises(check_sip_user, {
	                                     {"100", "100"},
	                                     {"HD0001", "HD0001"},
	                                     {"+4930123456", "+4930123456"},
	                                     {"o'neil", "o'neil"},
	                                     {"a.b-c_d!~*'()", "a.b-c_d!~*'()"},
	                                 });
	check_rejects(check_sip_user, {
	                                  {"", "empty"},
	                                  {"1 00", "a blank"},
	                                  {"100@pbx.example.com", "has no domain"},
	                                  {"100:pw", "would start a password"},
	                                  {"100;transport=tcp", "';'"},
	                                  {"a%40b", "'%'"},
	                                  {"10#", "'#'"},
	                                  {"a?b", "'?'"},
	                                  {"a/b", "'/'"},
	                                  {"100,200", "','"},
	                                  {"a=b", "'='"},
	                                  {"a<b", "'<'"},
	                                  {"\xc3\xa4", "byte 0xc3"},
	                                  {std::string(65, '1'), "longer than 64"},
	                              });
}

TEST_CASE("account values: passwords are checked without ever being echoed")
{
	const std::vector<std::string> good = {
	    "pw",     "p w",         "pa>ss", "pa<ss", "p@ss,w=rd",
	    "pa\\ss", "p\xc3\xa4ss", "pa'ss", "pa%ss", std::string(128, 'p')};
	for (const auto &pw : good) {
		INFO("password of " << pw.size() << " bytes");
		CHECK(check_sip_password(pw).ok());
	}
	const std::vector<Bad> bad = {
	    {"", "empty"},
	    {std::string(129, 'p'), "longer than 128"},
	    {"pa;ss", "';'"},
	    {"x;outbound=sip:evil", "';'"},
	    {"pa\"ss", "'\"'"},
	    {"pa\nss", "control character"},
	    {"pa\tss", "control character"},
	    {"pa\x7fss", "control character"},
	    {"pass\\", "ends in '\\'"},
	};
	for (const auto &b : bad) {
		INFO("bad password #" << &b - bad.data());
		auto s = check_sip_password(b.in);
		REQUIRE_FALSE(s.ok());
		CHECK(s.error().what.find(b.why) != std::string::npos);
		if (!b.in.empty())
			CHECK((s.error().what.find(b.in) == std::string::npos));
	}
}

TEST_CASE("account values: extensions also name state files")
{
	check_normalises(check_extension,
	                 {{"100", "100"}, {"HD0001", "HD0001"}, {"a_b-c+1", "a_b-c+1"}});
	check_rejects(check_extension, {
	                                   {"", "1 to 32"},
	                                   {std::string(33, '1'), "1 to 32"},
	                                   {"../x", "'.'"},
	                                   {"1 0", "a blank"},
	                                   {"100@x", "'@'"},
	                               });
}

TEST_CASE("account values: display names are cleaned, never refused")
{
	CHECK(clean_display_name("Al\"ice\" \\Boss\\\nX\tY") == "Al ice   Boss  X Y");
	CHECK(clean_display_name("A <b>; c, 'd'") == "A <b>; c, 'd'"); // measured: fine in quotes
	CHECK(clean_display_name("Zo\xc3\xab") == "Zo\xc3\xab");
	CHECK(clean_display_name(std::string(100, 'a')) == std::string(64, 'a'));
	// cut at a UTF-8 boundary: 63 ASCII bytes, then a 2-byte character
	CHECK(clean_display_name(std::string(63, 'a') + "\xc3\xa4") == std::string(63, 'a'));
	std::string umlauts;
	for (int i = 0; i < 40; ++i)
		umlauts += "\xc3\xa4";
	CHECK(clean_display_name(umlauts) == umlauts.substr(0, 64));
}

TEST_CASE("account values: an authentication user is printable ASCII the account line carries")
{
	for (const char *good :
	     {"a8Xk2pQ", "100", "HD0001", "user@pbx.example.com", "a:b", "x-y_z.~!*'()+&=$,/?%"})
		CHECK_MESSAGE(check_auth_user(good).ok(), good);
	CHECK(check_auth_user(std::string(kMaxAuthUser, 'a')).ok());
	struct Row {
		std::string in;
		const char *why;
	};
	const Row bad[] = {
	    {"", "empty"},         {std::string(kMaxAuthUser + 1, 'a'), "longer than 64"},
	    {"a;regint=0", "';'"}, {"<a>", "'<'"},
	    {"a>", "'>'"},         {"a\"b", "'\"'"},
	    {"a\\b", "'\\'"},      {"a b", "a blank"},
	    {"a\rb", "byte 0x0d"}, {"a\nb", "byte 0x0a"},
	    {"a\tb", "byte 0x09"}, {"\xc3\xa4", "byte 0xc3"},
	};
	for (const auto &r : bad) {
		INFO(r.in);
		auto c = check_auth_user(r.in);
		REQUIRE_FALSE(c.ok());
		CHECK_MESSAGE(c.error().what.find(r.why) != std::string::npos, c.error().what);
	}
}

TEST_CASE("account line: auth_user only when the digest username is not the AOR's user")
{
	Identity id;
	id.pool = false;
	id.ext = "100";
	id.sip_user = "100";
	id.sip_password = "pw";
	id.domain = "127.0.0.1:5060";
	AccountOptions o;
	CHECK(param_count(account_line(id, o), "auth_user") == 0);
	id.auth_user = "100"; // the same name: nothing to say
	CHECK(param_count(account_line(id, o), "auth_user") == 0);
	CHECK(id.auth_name() == "100");
	id.auth_user = "a8Xk2pQ";
	const std::string line = account_line(id, o);
	CHECK(id.auth_name() == "a8Xk2pQ");
	CHECK(line.find("<sip:100@127.0.0.1:5060>") != std::string::npos); // the AOR stays
	CHECK(line.find(";auth_user=\"a8Xk2pQ\"") != std::string::npos);
	CHECK(param_count(line, "auth_user") == 1);
	CHECK(param_count(line, "auth_pass") == 1);
	CHECK(line.back() != '"');
}

TEST_CASE("account line: checked values cannot add or change a parameter")
{
	Identity id;
	id.pool = false;
	id.ext = "100";
	id.name = "A;regint=0 <x>";
	id.sip_user = "100";
	id.sip_password = "p w<x>,outbound=sip:evil";
	id.domain = "127.0.0.1:5060";
	REQUIRE(check_sip_password(id.sip_password).ok());
	AccountOptions o;
	o.outbound_proxy = *check_outbound("127.0.0.1:5070;transport=udp");
	const std::string line = account_line(id, o);
	CHECK(line.find("<sip:100@127.0.0.1:5060>") != std::string::npos);
	CHECK(line.find(";auth_pass=\"" + id.sip_password + "\"") != std::string::npos);
	CHECK(line.find(";outbound=\"sip:127.0.0.1:5070;transport=udp\"") != std::string::npos);
	for (const char *name : {"auth_pass", "outbound", "regint"})
		CHECK(param_count(line, name) == 1);
	CHECK(line.back() != '"'); // baresip 1.0.0's uanew strips a trailing quote
}

TEST_CASE("account line: the longest checked values fit ctrl_tcp's 1023-byte line")
{
	Identity id;
	id.pool = false;
	id.ext = std::string(kMaxExtension, '1');
	id.sip_user = std::string(kMaxSipUser, 'u');
	id.sip_password = std::string(kMaxSipPassword, 'p');
	id.auth_user = std::string(kMaxAuthUser, 'a');
	std::string host;
	for (int i = 0; i < 4; ++i)
		host += std::string(i ? 61 : 63, 'h') + (i < 3 ? "." : "");
	id.domain = host + ":65535";
	REQUIRE(check_registrar(id.domain).ok());
	id.name = std::string(200, 'n');
	AccountOptions o;
	o.regint = 86400;
	o.outbound_proxy = *check_outbound("sip:" + host + ":65535;transport=tls;lr");
	const std::string command = "uanew " + account_line(id, o);
	CHECK(command.size() <= 1023);
}
