// SPDX-License-Identifier: BSD-3-Clause
// Profile parsing: the good examples under tests/data, and every kind of bad
// input named in the provisioning issue. A rejected profile is an error that
// names the element; nothing is partially applied (the parser returns a
// whole profile or nothing).
#include "agent/profile/profile.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace hotdesk;

namespace
{

std::string data(const char *name)
{
	std::ifstream in(std::string(HOTDESK_SOURCE_DIR) + "/tests/data/" + name);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

std::string device_with(const std::string &extra, const std::string &fkeys = "")
{
	return "<settings><phone-settings>"
	       "<user_name idx=\"1\">HD0001</user_name><user_pass idx=\"1\">pw</user_pass>"
	       "<user_host idx=\"1\">127.0.0.1:5060</user_host>" +
	       extra + "</phone-settings><functionKeys>" + fkeys + "</functionKeys></settings>";
}

std::string error_of(std::string_view xml)
{
	auto p = parse_device_profile(xml);
	REQUIRE_FALSE(p.ok());
	return p.error().str();
}

} // namespace

TEST_CASE("profile: the example device profile parses")
{
	auto p = parse_device_profile(data("device-profile.xml"));
	REQUIRE(p.ok());
	CHECK(p->pool_ext == "HD0001");
	CHECK(p->pool.host == "pbx.example.com:5060");
	CHECK(p->pool.outbound == "sip:sbc.example.com:5060;transport=udp");
	CHECK(p->dial_plan.emergency == std::vector<std::string>{"112", "911"});
	CHECK(p->dial_plan.other_codes == std::vector<std::string>{"*98", "*8"});
	CHECK(p->logout_key == "blf1");
	CHECK(p->timezone == "Europe/Berlin");
	CHECK(p->recheck_s == 3600);
	REQUIRE(p->blf.size() == 1); // the keyevent fkey is not a BLF
	CHECK(p->blf[0].ext == "200");
	CHECK(p->blf[0].pickup == "*8");
	CHECK(p->blf[0].label == "Reception");
}

TEST_CASE("profile: the example user profile parses")
{
	auto u = parse_user_profile(data("user-profile.xml"));
	REQUIRE(u.ok());
	CHECK(u->realname == "Alice Example");
	CHECK(u->mailbox == "*98");
	REQUIRE(u->blf.size() == 2);
	CHECK(u->blf[1].ext == "102");
}

TEST_CASE("profile: malformed, truncated and wrongly rooted XML are rejected")
{
	CHECK(error_of("").find("not well-formed") != std::string::npos);
	CHECK(error_of("<settings><phone-settings>").find("not well-formed") != std::string::npos);
	CHECK(error_of("<settings><phone-settings></settings>").find("not well-formed") !=
	      std::string::npos);
	CHECK(error_of("<config/>").find("<settings>") != std::string::npos);
	CHECK(error_of("<settings/>").find("phone-settings") != std::string::npos);
	CHECK(error_of("\xff\xfe<settings/>").size() > 0);
}

TEST_CASE("profile: limits on size, depth, count and length")
{
	const std::string big = device_with("<language>" + std::string(70000, 'a') + "</language>");
	CHECK(error_of(big).find("larger than") != std::string::npos);

	std::string deep = "<a/>";
	for (int i = 0; i < 50; ++i)
		deep = "<n>" + deep + "</n>";
	CHECK(error_of(device_with("<language>en</language>" + std::string("<x>") + deep + "</x>"))
	          .find("nested deeper") != std::string::npos);

	std::string many;
	for (int i = 0; i < 600; ++i)
		many += "<k" + std::to_string(i) + ">v</k" + std::to_string(i) + ">";
	CHECK(error_of(device_with(many)).find("more than 512 elements") != std::string::npos);

	CHECK(error_of(device_with("<language>" + std::string(300, 'a') + "</language>"))
	          .find("<language>") != std::string::npos);
}

TEST_CASE("profile: required fields, wrong types and duplicates name the element")
{
	CHECK(error_of("<settings><phone-settings><user_name idx=\"1\">a</user_name>"
	               "</phone-settings></settings>")
	          .find("<user_pass>") != std::string::npos);
	CHECK(error_of(device_with("<hd_profile_check_s>soon</hd_profile_check_s>"))
	          .find("<hd_profile_check_s>") != std::string::npos);
	CHECK(error_of(device_with("<language>en</language><language>de</language>"))
	          .find("appears twice") != std::string::npos);
	CHECK(
	    error_of(device_with("<hd_logout_key>blf7</hd_logout_key>")).find("<hd_logout_key>") !=
	    std::string::npos);
	CHECK(error_of(device_with("<language><b>x</b></language>")).find("must hold text") !=
	      std::string::npos);
	CHECK(error_of(device_with("", "<fkey idx=\"x\">blf 1</fkey>")).find("idx") !=
	      std::string::npos);
	CHECK(error_of(device_with("", "<fkey idx=\"0\">blf 1</fkey><fkey idx=\"0\">blf 2</fkey>"))
	          .find("appears twice") != std::string::npos);
	CHECK(error_of(device_with("", "<fkey idx=\"0\">blf a;b</fkey>")).find("BLF value") !=
	      std::string::npos);
}

TEST_CASE("profile: hostile values cannot reach baresip's account line")
{
	for (const char *bad : {"pw;outbound=evil", "pw\"x", "pw&lt;x&gt;", "p w"}) {
		const std::string xml =
		    "<settings><phone-settings><user_name idx=\"1\">HD1</user_name>"
		    "<user_pass idx=\"1\">" +
		    std::string(bad) +
		    "</user_pass><user_host idx=\"1\">h</user_host></phone-settings></settings>";
		auto p = parse_device_profile(xml);
		REQUIRE_FALSE(p.ok());
		CHECK(p.error().str().find("<user_pass>") != std::string::npos);
		CHECK(p.error().str().find(bad) == std::string::npos); // the secret is not echoed
	}
	CHECK(error_of(
	          device_with("").replace(device_with("").find("127.0.0.1:5060"), 14, "h;maddr=x"))
	          .find("<user_host>") != std::string::npos);
}

TEST_CASE("profile: feature codes are validated as a set, naming both codes")
{
	const std::string e = error_of(device_with("<hd_dial_codes>*70</hd_dial_codes>"));
	CHECK(e.find("*70") != std::string::npos);
	CHECK(e.find("*77*") != std::string::npos);
	const std::string e2 = error_of(device_with("<hd_dial_codes>*9,*98</hd_dial_codes>"));
	CHECK(e2.find("*9") != std::string::npos);
	CHECK(e2.find("*98") != std::string::npos);
	CHECK(parse_device_profile(device_with("<hd_dial_codes>*98,*8</hd_dial_codes>")).ok());
}

TEST_CASE("profile: other identities and unknown elements are ignored")
{
	auto p =
	    parse_device_profile(device_with("<user_name idx=\"2\">x</user_name><foo>bar</foo>"));
	REQUIRE(p.ok());
	CHECK(p->pool.user == "HD0001");
}

#include "agent/core/account_line.h"

TEST_CASE("account line: never ends in a quote (baresip 1.0.0 strips it)")
{
	Identity id;
	id.pool = false;
	id.ext = "100";
	id.name = "Alice Example";
	id.sip_user = "100";
	id.sip_password = "pw";
	id.domain = "127.0.0.1:5060";
	AccountOptions o;
	o.outbound_proxy = "sip:sbc.example.com:5060";
	const std::string line = account_line(id, o);
	CHECK(line.front() == '"');
	CHECK(line.back() != '"');
	CHECK(line.find(";outbound=\"sip:sbc.example.com:5060\"") != std::string::npos);
}
