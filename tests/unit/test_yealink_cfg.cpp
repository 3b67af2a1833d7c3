// SPDX-License-Identifier: BSD-3-Clause
// Yealink-style .cfg device profiles (agent/profile/yealink_cfg.h): chosen by
// content, read into the same device profile as the Snom-style XML, with the
// same validation; keys we do not use are ignored, malformed lines we use
// are rejected with their line; errors name the Yealink key.
#include <doctest/doctest.h>

#include "agent/profile/profile.h"
#include "agent/profile/yealink_cfg.h"

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

std::string cfg(const std::string &extra)
{
	return "#!version:1.0.0.1\n"
	       "account.1.user_name = HD0001\n"
	       "account.1.password = pw\n"
	       "account.1.sip_server.1.address = 127.0.0.1\n" +
	       extra;
}

std::string error_of(const std::string &text)
{
	auto p = parse_device_profile(text);
	REQUIRE_FALSE(p.ok());
	return p.error().str();
}

} // namespace

TEST_CASE("yealink cfg: the example reads as the same phone as the XML example")
{
	auto y = parse_device_profile(data("device-profile.cfg"));
	REQUIRE(y.ok());
	auto x = parse_device_profile(data("device-profile.xml"));
	REQUIRE(x.ok());
	CHECK(y->pool_ext == x->pool_ext);
	CHECK(y->pool.user == x->pool.user);
	CHECK(y->pool.password == x->pool.password);
	CHECK(y->pool.host == x->pool.host);
	CHECK(y->pool.outbound == x->pool.outbound);
	CHECK(y->pool.realname == x->pool.realname);
	CHECK(y->dial_plan.emergency == x->dial_plan.emergency);
	CHECK(y->dial_plan.login_prefix == x->dial_plan.login_prefix);
	CHECK(y->dial_plan.logout_code == x->dial_plan.logout_code);
	CHECK(y->dial_plan.other_codes == x->dial_plan.other_codes);
	CHECK(y->logout_key == x->logout_key);
	CHECK(y->status_token == x->status_token);
	CHECK(y->language == "en");
	CHECK(y->timezone == "Europe/Berlin");
	CHECK(y->recheck_s == 3600);
	REQUIRE(y->blf.size() == 1);
	CHECK(y->blf[0].ext == "200");
	CHECK(y->blf[0].pickup == "*8");
	CHECK(y->blf[0].label == "Reception");
	CHECK(x->blf.size() == 1);
}

TEST_CASE("yealink cfg: chosen by content, not by name")
{
	CHECK(is_yealink_cfg("#!version:1.0.0.1\n"));
	CHECK(is_yealink_cfg("\r\n  #!version:1.0.0.1\n"));
	CHECK_FALSE(is_yealink_cfg("<?xml version=\"1.0\"?><settings/>"));
	CHECK_FALSE(is_yealink_cfg("# a comment\n#!version:1.0.0.1\n"));
	CHECK_FALSE(is_yealink_cfg(""));
}

TEST_CASE("yealink cfg: what a PBX template writes is read as it means")
{
	struct Row {
		const char *extra;
		const char *host, *outbound;
	};
	const Row rows[] = {
	    {"", "127.0.0.1", ""},
	    {"account.1.sip_server.1.port = 5070\n", "127.0.0.1:5070", ""},
	    {"account.1.outbound_proxy_enable = 1\naccount.1.outbound_proxy.1.address = "
	     "127.0.0.1\naccount.1.outbound_proxy.1.port = 5080\n",
	     "127.0.0.1", "sip:127.0.0.1:5080"},
	    // an address without the enable switch is not used
	    {"account.1.outbound_proxy.1.address = 127.0.0.1\n", "127.0.0.1", ""},
	    {"account.1.outbound_proxy_enable = 1\naccount.1.outbound_host = 127.0.0.2\n",
	     "127.0.0.1", "sip:127.0.0.2"},
	    {"account.1.outbound_proxy_enable = 1\naccount.1.outbound_proxy.1.address = "
	     "127.0.0.1\naccount.1.sip_server.1.transport_type = 1\n",
	     "127.0.0.1", "sip:127.0.0.1;transport=tcp"},
	    {"account.1.outbound_proxy_enable = 1\naccount.1.outbound_proxy.1.address = "
	     "127.0.0.1\naccount.1.sip_server.1.transport_type = 2\n",
	     "127.0.0.1", "sip:127.0.0.1;transport=tls"},
	    {"account.1.outbound_proxy_enable = 1\naccount.1.outbound_proxy.1.address = "
	     "127.0.0.1\naccount.1.sip_server.1.transport_type = 3\n",
	     "127.0.0.1", "sip:127.0.0.1"},
	    // blanks and CRLF line ends
	    {"  account.1.display_name=Desk 4 \r\n", "127.0.0.1", ""},
	};
	for (const auto &r : rows) {
		INFO(r.extra);
		auto p = parse_device_profile(cfg(r.extra));
		REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().str()));
		CHECK(p->pool.host == r.host);
		CHECK(p->pool.outbound == r.outbound);
	}
	auto legacy = parse_device_profile("#!version:1.0.0.1\naccount.1.user_name=HD0001\n"
	                                   "account.1.password=pw\naccount.1.sip_server_host="
	                                   "pbx.example.com\naccount.1.sip_server_port=5062\n");
	REQUIRE(legacy.ok());
	CHECK(legacy->pool.host == "pbx.example.com:5062");
}

TEST_CASE("yealink cfg: 3CX's authentication ID (auth_name) other than the user is carried")
{
	auto p = parse_device_profile(cfg("account.1.auth_name = a8Xk2pQ\n"));
	REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().str()));
	CHECK(p->pool.user == "HD0001");
	CHECK(p->pool.auth_user == "a8Xk2pQ");
	auto same = parse_device_profile(cfg("account.1.auth_name = HD0001\n"));
	REQUIRE(same.ok());
	CHECK(same->pool.auth_user.empty()); // the user name: nothing separate to carry
}

TEST_CASE("yealink cfg: keys we do not use are ignored; what we use is checked, by line")
{
	auto p = parse_device_profile(cfg("static.network.vlan.internet_port_enable = 0\n"
	                                  "features.dnd.enable = 1\n"
	                                  "some garbage line\n"));
	REQUIRE(p.ok());
	CHECK(p->warnings.size() == 1); // the garbage line, named
	CHECK(p->warnings[0].find("line 7") != std::string::npos);
	struct Row {
		std::string text;
		const char *names;
	};
	const Row bad[] = {
	    {cfg("account.1.password = again\n"), "account.1.password line 3"},
	    {cfg("account.1.auth_name = a;regint=0\n"), "account.1.auth_name line 5"},
	    {cfg("account.1.auth_name = <a>\n"), "account.1.auth_name line 5"},
	    {cfg("account.1.auth_name = a\"b\n"), "account.1.auth_name line 5"},
	    {cfg("account.1.auth_name = a b\n"), "account.1.auth_name line 5"},
	    {cfg("account.1.enable = 0\n"), "account.1.enable"},
	    {cfg("account.1.sip_server.1.port = http\n"), "account.1.sip_server.1.port line 5"},
	    {cfg("account.1.sip_server.1.port = 70000\n"), "account.1.sip_server.1.port"},
	    {cfg("account.1.outbound_proxy_enable = 1\n"
	         "account.1.outbound_proxy.1.address = sips:sbc.example.com\n"),
	     "account.1.outbound_proxy.1.address line 6"},
	    {cfg("account.1.password\n"), "line 5"}, // a used key without '='
	    {cfg("account.1.outbound_proxy_enable = 1\naccount.1.outbound_proxy.1.address = h\n"
	         "account.1.sip_server.1.transport_type = 7\n"),
	     "account.1.sip_server.1.transport_type line 7"},

	    {cfg("hotdesk.logout_key = blf9\n"), "hotdesk.logout_key line 5"},
	    {cfg("hotdesk.profile_check_s = soon\n"), "hotdesk.profile_check_s"},
	    {"#!version:1.0.0.1\naccount.1.password = pw\naccount.1.sip_server.1.address = h\n",
	     "<user_name>"},
	    {"#!version:1.0.0.1\naccount.1.user_name = HD0001\naccount.1.sip_server.1.address = "
	     "h\n",
	     "<user_pass>"},
	};
	for (const auto &r : bad) {
		INFO(r.text);
		const std::string e = error_of(r.text);
		CHECK_MESSAGE(e.find(r.names) != std::string::npos, e);
		CHECK(e.find("pw") == std::string::npos); // never the password
	}
}

TEST_CASE("yealink cfg: line keys are decoration, in key order, URIs read as extensions")
{
	auto p = parse_device_profile(cfg("features.pickup.direct_pickup_code = *8\n"
	                                  "linekey.3.type = 16\nlinekey.3.value = "
	                                  "sip:103@pbx.example.com;user=phone\n"
	                                  "linekey.3.pickup_value = #*\n"
	                                  "linekey.1.type = 16\nlinekey.1.value = 101\n"
	                                  "linekey.1.label = Bob\n"
	                                  "linekey.2.type = 15\nlinekey.2.value = 100\n"
	                                  "linekey.4.type = 16\nlinekey.4.value = sip:@nowhere\n"
	                                  "linekey.5.type = 16\nlinekey.5.value = 105\n"
	                                  "linekey.5.pickup_value = 8x\n"
	                                  "linekey.999.type = 16\n"));
	REQUIRE(p.ok());
	REQUIRE(p->blf.size() == 3);
	CHECK(p->blf[0].ext == "101");
	CHECK(p->blf[0].label == "Bob");
	CHECK(p->blf[0].pickup == "*8"); // the phone-wide pickup code
	CHECK(p->blf[1].ext == "103");
	CHECK(p->blf[1].pickup == "#*");
	CHECK(p->blf[2].ext == "105");
	CHECK(p->blf[2].pickup.empty());
	std::string all;
	for (const auto &w : p->warnings)
		all += w + "\n";
	CHECK(all.find("linekey.4.type") != std::string::npos);
	CHECK(all.find("'8x'") != std::string::npos);
	CHECK(all.find("linekey.999.type") != std::string::npos);
}

TEST_CASE("yealink cfg: limits and structure")
{
	ProfileLimits l;
	l.max_bytes = 64;
	CHECK_FALSE(read_yealink_cfg(cfg(""), l).ok());
	ProfileLimits few;
	few.max_elements = 2;
	auto many = read_yealink_cfg(cfg(""), few);
	REQUIRE_FALSE(many.ok());
	CHECK(many.error().what.find("more than 2 settings") != std::string::npos);
	CHECK_FALSE(read_yealink_cfg("account.1.user_name = x\n", {}).ok());
	auto lang = parse_device_profile(cfg("lang.gui = German\n"));
	REQUIRE(lang.ok());
	CHECK(lang->language == "de");
	auto own = parse_device_profile(cfg("lang.gui = German\nhotdesk.language = en\n"));
	REQUIRE(own.ok());
	CHECK(own->language == "en"); // hotdesk's own key wins
}

TEST_CASE("yealink cfg: no error or warning ever holds a value of a malformed line")
{
	const std::string pw = "pool-Secret-7311";
	const std::string lines[] = {
	    "account.1.password: " + pw + "\n",
	    "account.1.pass word = " + pw + "\n",
	    "hotdesk.status_token " + pw + "\n",
	    "static.security.user_password admin:" + pw + "\n",
	    pw + "\n",
	};
	for (const auto &l : lines) {
		INFO(l);
		auto p = parse_device_profile(cfg(l));
		std::string all = p.ok() ? "" : p.error().str();
		if (p)
			for (const auto &w : p->warnings)
				all += w + "\n";
		CHECK(all.find("line 5") != std::string::npos); // the line is still named
		CHECK(all.find(pw) == std::string::npos);
	}
	// A key of ours is named, as written.
	CHECK(error_of(cfg("account.1.password: " + pw + "\n")).find("'account.1.password'") !=
	      std::string::npos);
}

TEST_CASE("yealink cfg: large vendor templates, a BOM, transport without an outbound proxy")
{
	std::string big;
	for (int i = 0; i < 900; ++i)
		big += "static.phone_setting." + std::to_string(i) + " = x\n";
	auto p = parse_device_profile(cfg(big));
	REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().str())); // unused keys are not counted
	auto bom = parse_device_profile("\xEF\xBB\xBF" + cfg(""));
	REQUIRE(bom.ok());
	CHECK(bom->pool.user == "HD0001");
	auto tls = parse_device_profile(cfg("account.1.sip_server.1.transport_type = 2\n"));
	REQUIRE(tls.ok());
	REQUIRE(tls->warnings.size() == 1);
	CHECK(tls->warnings[0].find("transport_type line 5: ignored") != std::string::npos);
	auto example = parse_device_profile(data("device-profile.cfg"));
	REQUIRE(example.ok());
	CHECK(example->warnings.empty()); // nothing "read as" what the admin never wrote
}

TEST_CASE("yealink cfg: our on/off options take the .cfg's 1 and 0")
{
	auto p = parse_device_profile(cfg("hotdesk.auto_logout_stay = 1\n"
	                                  "hotdesk.emergency_via_pool = 1\n"
	                                  "hotdesk.location_on_idle = 0\n"));
	REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().str()));
	CHECK(p->auto_logout.stay_allowed);
	CHECK(p->emergency.via_pool);
	CHECK_FALSE(p->emergency.location_on_idle);
	auto on = parse_device_profile(cfg("hotdesk.emergency_via_pool = on\n"));
	REQUIRE(on.ok());
	CHECK(on->emergency.via_pool);
	CHECK(error_of(cfg("hotdesk.auto_logout_stay = 2\n")).find("must be on or off (1 or 0)") !=
	      std::string::npos);
	CHECK(error_of(cfg("hotdesk.auto_logout_stay = true\n")).find("hotdesk.auto_logout_stay") !=
	      std::string::npos);
}
