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
}

TEST_CASE("profile: hostile values cannot reach baresip's account line")
{
	for (const char *bad : {"pw;outbound=evil", "pw\"x", "pw\\"}) {
		const std::string xml =
		    "<settings><phone-settings><user_name idx=\"1\">HD1</user_name>"
		    "<user_pass idx=\"1\">" +
		    std::string(bad) +
		    "</user_pass><user_host idx=\"1\">h</user_host></phone-settings></settings>";
		auto p = parse_device_profile(xml);
		REQUIRE_FALSE(p.ok());
		CHECK(p.error().str().find("<user_pass> line 1") != std::string::npos);
		CHECK(p.error().str().find(bad) == std::string::npos); // the secret is not echoed
	}
	// What baresip 1.0.0 carries in its quoted auth_pass stays the password.
	for (const char *good : {"pw&lt;x&gt;", "p w"}) {
		auto p = parse_device_profile(
		    device_with("").replace(device_with("").find(">pw<") + 1, 2, good));
		REQUIRE(p.ok());
		CHECK((p->pool.password == (std::string(good) == "p w" ? "p w" : "pw<x>")));
	}
	CHECK(error_of(
	          device_with("").replace(device_with("").find("127.0.0.1:5060"), 14, "h;maddr=x"))
	          .find("<user_host> line 1") != std::string::npos);
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

// ---- provisioning faults: values baresip cannot use, decoration, HA1 ----

namespace
{

// A device profile on several lines, so that errors can name a line:
// line 1 <settings><phone-settings>, then one line per element.
std::string device_lines(const std::vector<std::string> &settings, const std::string &fkeys = "")
{
	std::string xml = "<settings><phone-settings>\n";
	for (const auto &e : settings)
		xml += e + "\n";
	return xml + "</phone-settings><functionKeys>" + fkeys + "</functionKeys></settings>";
}

const std::string kUser = "<user_name idx=\"1\">HD0001</user_name>";
const std::string kPass = "<user_pass idx=\"1\">pw</user_pass>";
const std::string kHost = "<user_host idx=\"1\">127.0.0.1:5060</user_host>";

std::string outbound(const std::string &v)
{
	return "<user_outbound idx=\"1\">" + v + "</user_outbound>";
}

bool has_warning(const std::vector<std::string> &w, const std::string &a, const std::string &b = "")
{
	for (const auto &x : w)
		if (x.find(a) != std::string::npos && x.find(b) != std::string::npos)
			return true;
	return false;
}

std::string user_with(const std::string &settings, const std::string &fkeys = "")
{
	return "<settings><phone-settings>" + settings + "</phone-settings><functionKeys>" + fkeys +
	       "</functionKeys></settings>";
}

} // namespace

TEST_CASE("profile: scheme-less outbound proxies are read as sip: URIs, and said so")
{
	struct Case {
		const char *in;
		const char *out;
	};
	for (const Case c :
	     {Case{"127.0.0.1:5070;transport=udp", "sip:127.0.0.1:5070;transport=udp"},
	      Case{"127.0.0.1", "sip:127.0.0.1"}, Case{"[::1]:5070", "sip:[::1]:5070"}}) {
		INFO(c.in);
		auto p = parse_device_profile(device_lines({kUser, kPass, kHost, outbound(c.in)}));
		REQUIRE(p.ok());
		CHECK(p->pool.outbound == c.out);
		CHECK(has_warning(p->warnings, "<user_outbound> line 5", c.out));
	}
	auto same = parse_device_profile(device_lines({kUser, kPass, kHost, outbound("sip:sbc")}));
	REQUIRE(same.ok());
	CHECK(same->warnings.empty());
}

TEST_CASE("profile: account values baresip 1.0.0 cannot use name the element and line")
{
	struct Case {
		std::vector<std::string> settings;
		const char *where;
		const char *why;
	};
	const std::vector<Case> cases = {
	    {{kUser, kPass, kHost, outbound("sips:127.0.0.1:5061")},
	     "<user_outbound> line 5",
	     "sips:"},
	    {{kUser, kPass, kHost, outbound("tel:+49301234")},
	     "<user_outbound> line 5",
	     "only sip:"},
	    {{kUser, kPass, kHost, outbound("sip:sbc;regint=0")},
	     "<user_outbound> line 5",
	     "regint"},
	    {{kUser, kPass, "<user_host idx=\"1\">pbx.example.com;transport=tcp</user_host>"},
	     "<user_host> line 4",
	     "outbound proxy"},
	    {{kUser, kPass, "<user_host idx=\"1\">pbx.example.com:5060/sip</user_host>"},
	     "<user_host> line 4",
	     "path"},
	    {{kUser, kPass, "<user_host idx=\"1\">pbx.example.com:70000</user_host>"},
	     "<user_host> line 4",
	     "port"},
	    {{"<user_name idx=\"1\">HD 0001</user_name>", kPass, kHost},
	     "<user_name> line 2",
	     "blank"},
	    {{"<user_name idx=\"1\">HD0001@pbx.example.com</user_name>", kPass, kHost},
	     "<user_name> line 2",
	     "'@'"},
	    {{"<user_name idx=\"1\">HD.0001</user_name>", kPass, kHost},
	     "<user_name> line 2",
	     "hd_pool_ext"},
	    {{kUser, kPass, kHost, "<hd_pool_ext>HD/1</hd_pool_ext>"},
	     "<hd_pool_ext> line 5",
	     "'/'"},
	    {{kUser, "<user_pass idx=\"1\">pw;x</user_pass>", kHost}, "<user_pass> line 3", "';'"},
	};
	for (const auto &c : cases) {
		INFO(c.settings.back());
		const std::string e = error_of(device_lines(c.settings));
		CHECK_MESSAGE(e.find(c.where) != std::string::npos, e);
		CHECK_MESSAGE(e.find(c.why) != std::string::npos, e);
	}
}

TEST_CASE("profile: an HA1 digest instead of the password is named, never shown")
{
	const std::string hash = "5f4dcc3b5aa765d61d8327deb882cf99";
	const std::string h = "<user_hash idx=\"1\">" + hash + "</user_hash>";
	const std::string e = error_of(device_lines({kUser, h, kHost}));
	CHECK(e.find("<user_hash> line 3") != std::string::npos);
	CHECK(e.find("HA1 digest is not supported") != std::string::npos);
	CHECK(e.find("<user_pass>") != std::string::npos); // what to write instead
	CHECK(e.find(hash) == std::string::npos);
	// An empty <user_pass> beside it is the same case, not "missing".
	const std::string e2 =
	    error_of(device_lines({kUser, "<user_pass idx=\"1\"></user_pass>", h, kHost}));
	CHECK(e2.find("<user_hash> line 4") != std::string::npos);
	// With the password given, the hash is ignored (and still not shown).
	auto p = parse_device_profile(device_lines({kUser, kPass, h, kHost}));
	REQUIRE(p.ok());
	CHECK(p->pool.password == "pw");
	CHECK(has_warning(p->warnings, "<user_hash> line 4", "ignored"));
	for (const auto &w : p->warnings)
		CHECK(w.find(hash) == std::string::npos);
}

TEST_CASE("profile: a separate authentication user (3CX's auth ID) is carried, checked, named")
{
	const auto pname = [](const std::string &v) {
		return "<user_pname idx=\"1\">" + v + "</user_pname>";
	};
	auto p = parse_device_profile(device_lines({kUser, kPass, kHost, pname("a8Xk2pQ")}));
	REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().str()));
	CHECK(p->pool.user == "HD0001");
	CHECK(p->pool.auth_user == "a8Xk2pQ");
	// The user name itself, or nothing: no separate authentication user.
	for (const std::string &same : {pname("HD0001"), std::string()}) {
		auto q = parse_device_profile(device_lines({kUser, kPass, kHost, same}));
		REQUIRE(q.ok());
		CHECK(q->pool.auth_user.empty());
	}
	// What the account line cannot carry is an error naming the element and line.
	for (const char *bad :
	     {"a;regint=0", "a&lt;b", "a&gt;b", "a&quot;b", "a b", "a&#10;b", "a\\"}) {
		INFO(bad);
		const std::string e = error_of(device_lines({kUser, kPass, kHost, pname(bad)}));
		CHECK(e.find("<user_pname> line 5") != std::string::npos);
	}
	CHECK(error_of(device_lines({kUser, kPass, kHost, pname(std::string(65, 'a'))}))
	          .find("longer than 64") != std::string::npos);
}

TEST_CASE("profile: BLF keys written as URIs are read; what cannot be a key is dropped")
{
	// The person's profile of the issue, with every kind of bad key added.
	std::string fkeys =
	    "<fkey idx=\"0\" label=\"Dave\">blf sip:103@pbx.example.com;user=phone|**</fkey>\n"
	    "<fkey idx=\"1\">blf sip:bob@pbx.example.com</fkey>\n"
	    "<fkey idx=\"2\" label=\"Bob\">blf 101|#*</fkey>\n"
	    "<fkey idx=\"3\">blf &lt;sip:104@pbx&gt;|*8</fkey>\n"
	    "<fkey idx=\"4\">blf 105@pbx.example.com|park</fkey>\n"
	    "<fkey idx=\"5\">blf tel:+4930123;phone-context=x</fkey>\n"
	    "<fkey idx=\"6\">blf sip:pbx.example.com</fkey>\n"
	    "<fkey idx=\"7\">blf sip:a b@pbx</fkey>\n"
	    "<fkey idx=\"8\">blf</fkey>\n"
	    "<fkey idx=\"x\">blf 106</fkey>\n"
	    "<fkey idx=\"2\">blf 107</fkey>\n"
	    "<fkey_label idx=\"9\">x</fkey_label>\n"
	    "<fkey idx=\"10\">speed 112</fkey>\n"
	    "<fkey idx=\"11\"><b>blf 108</b></fkey>\n";
	auto u = parse_user_profile(user_with("", "\n" + fkeys));
	REQUIRE(u.ok());
	std::vector<std::string> got;
	for (const auto &b : u->blf)
		got.push_back(b.ext + "|" + b.pickup + "|" + b.label);
	CHECK(got == std::vector<std::string>{"103|**|Dave", "bob||", "101|#*|Bob", "104|*8|",
	                                      "105||", "+4930123||"});
	CHECK(has_warning(u->warnings, "<fkey idx=\"4\"> line 6", "pickup prefix 'park'"));
	CHECK(has_warning(u->warnings, "<fkey idx=\"6\"> line 8", "no user part"));
	CHECK(has_warning(u->warnings, "<fkey idx=\"7\"> line 9", "a blank"));
	CHECK(has_warning(u->warnings, "<fkey idx=\"8\"> line 10", "names no extension"));
	CHECK(has_warning(u->warnings, "<fkey idx=\"x\"> line 11", "numeric idx"));
	CHECK(has_warning(u->warnings, "<fkey idx=\"2\"> line 12", "appears twice"));
	CHECK(has_warning(u->warnings, "<fkey_label idx=\"9\"> line 13", "not a key"));
	CHECK(has_warning(u->warnings, "<fkey idx=\"11\"> line 15", "holds elements"));
	CHECK(u->warnings.size() == 8); // "speed 112" is not a BLF key: no warning

	// The same keys in a device profile: the pool's keys, same rules.
	auto d = parse_device_profile(device_with("", fkeys));
	REQUIRE(d.ok());
	CHECK(d->blf.size() == 6);
	CHECK(d->warnings.size() == 8);
}

TEST_CASE("profile: more BLF keys than the limit are dropped, not refused")
{
	std::string fkeys;
	for (int i = 0; i < 70; ++i)
		fkeys += "<fkey idx=\"" + std::to_string(i) + "\">blf " + std::to_string(200 + i) +
		         "</fkey>";
	auto u = parse_user_profile(user_with("", fkeys));
	REQUIRE(u.ok());
	CHECK(u->blf.size() == 64);
	CHECK(u->blf.back().ext == "263");
	CHECK(u->warnings.size() == 1);
	CHECK(has_warning(u->warnings, "<fkey idx=\"64\">", "more than 64 BLF keys"));
}

TEST_CASE("profile: nothing in a user profile rejects it; only a non-profile does")
{
	const std::string long_text(300, 'x');
	auto u = parse_user_profile(
	    user_with("<user_realname idx=\"1\">Alice</user_realname>"
	              "<user_realname idx=\"1\">Alicia</user_realname>"
	              "<user_mailbox idx=\"1\">sip:*98@pbx.example.com</user_mailbox>"
	              "<language><b>de</b></language>"
	              "<setting_server>" +
	              long_text + "</setting_server>"));
	REQUIRE(u.ok());
	CHECK(u->realname.empty()); // twice: which one is meant is unknown
	CHECK(u->mailbox == "*98");
	CHECK(u->language.empty());
	CHECK(has_warning(u->warnings, "<user_realname>", "appears twice"));
	CHECK(has_warning(u->warnings, "<language>", "must hold text"));
	CHECK(u->warnings.size() == 2); // unknown elements are nobody's business

	auto m = parse_user_profile(
	    user_with("<user_mailbox idx=\"1\">voicemail</user_mailbox><user_realname idx=\"1\">" +
	              std::string(80, 'n') + "</user_realname>"));
	REQUIRE(m.ok());
	CHECK(m->mailbox.empty());
	CHECK(m->realname == std::string(64, 'n'));
	CHECK(has_warning(m->warnings, "<user_mailbox>", "'voicemail' is not a number"));
	CHECK(has_warning(m->warnings, "<user_realname>", "cut to 64 bytes"));

	// Only functionKeys, or a second phone-settings: still a profile.
	auto k = parse_user_profile("<settings><functionKeys><fkey idx=\"0\">blf 101</fkey>"
	                            "</functionKeys></settings>");
	REQUIRE(k.ok());
	CHECK(k->blf.size() == 1);
	auto twice = parse_user_profile("<settings><phone-settings/><phone-settings/></settings>");
	REQUIRE(twice.ok());
	CHECK(has_warning(twice->warnings, "<phone-settings> line 1", "appears twice"));

	for (const std::string &bad :
	     {std::string(), std::string("<settings><phone-settings>"), std::string("<config/>"),
	      "<settings>" + std::string(70000, ' ') + "</settings>"})
		CHECK_FALSE(parse_user_profile(bad).ok());
}

TEST_CASE("profile: an element the phone does not read is never held against it")
{
	auto p = parse_device_profile(device_with("<setting_server>" + std::string(1000, 'x') +
	                                          "</setting_server><tone_scheme>a</tone_scheme>"
	                                          "<tone_scheme>b</tone_scheme>"));
	REQUIRE(p.ok());
	CHECK(p->warnings.empty());
}

TEST_CASE("profile: a value quoted in a warning cannot forge log lines")
{
	auto u = parse_user_profile(
	    user_with("<user_mailbox idx=\"1\">x&#13;&#10;hotdeskd: forged</user_mailbox>",
	              "<fkey idx=\"0\">blf sip:pbx&#10;hotdeskd: forged</fkey>"
	              "<fkey idx=\"x&#10;hotdeskd: forged\">blf 101</fkey>"));
	REQUIRE(u.ok());
	CHECK(u->warnings.size() == 3);
	for (const auto &w : u->warnings) {
		INFO(w);
		CHECK(w.find_first_of("\r\n") == std::string::npos);
	}
}

TEST_CASE("profile: the auto-logout policy is read strictly, each part optional")
{
	auto none = parse_device_profile(device_with(""));
	REQUIRE(none.ok());
	CHECK_FALSE(none->auto_logout.any());
	auto all = parse_device_profile(device_with(
	    "<hd_auto_logout_idle>30m</hd_auto_logout_idle>"
	    "<hd_auto_logout_max_session>8h</hd_auto_logout_max_session>"
	    "<hd_auto_logout_daily>19:00</hd_auto_logout_daily>"
	    "<hd_auto_logout_countdown_s>30</hd_auto_logout_countdown_s>"
	    "<hd_auto_logout_stay>on</hd_auto_logout_stay><timezone>Europe/Berlin</timezone>"));
	REQUIRE(all.ok());
	CHECK(all->auto_logout.idle_s == 1800);
	CHECK(all->auto_logout.max_session_s == 8 * 3600);
	CHECK(all->auto_logout.daily_minute == 19 * 60);
	CHECK(all->auto_logout.countdown_s == 30);
	CHECK(all->auto_logout.stay_allowed);
	CHECK(all->timezone == "Europe/Berlin");
	struct Row {
		const char *xml, *names;
	};
	const Row bad[] = {
	    {"<hd_auto_logout_idle>30</hd_auto_logout_idle>", "<hd_auto_logout_idle> line 1"},
	    {"<hd_auto_logout_max_session>8d</hd_auto_logout_max_session>",
	     "<hd_auto_logout_max_session>"},
	    {"<hd_auto_logout_daily>7pm</hd_auto_logout_daily>", "<hd_auto_logout_daily>"},
	    {"<hd_auto_logout_countdown_s>2</hd_auto_logout_countdown_s>",
	     "<hd_auto_logout_countdown_s>"},
	    {"<hd_auto_logout_stay>yes</hd_auto_logout_stay>", "<hd_auto_logout_stay>"},
	};
	for (const auto &r : bad) {
		INFO(r.xml);
		CHECK(error_of(device_with(r.xml)).find(r.names) != std::string::npos);
	}
}

TEST_CASE("profile: emergency option and civic location (issue 16)")
{
	auto off = parse_device_profile(device_with(""));
	REQUIRE(off.ok());
	CHECK_FALSE(off->emergency.via_pool); // default: today's behaviour
	CHECK(off->emergency.location.empty());

	auto p = parse_device_profile(device_with(
	    "<hd_emergency_via_pool>on</hd_emergency_via_pool>"
	    "<hd_location_on_idle>on</hd_location_on_idle>"
	    "<hd_location_country>de</hd_location_country><hd_location_a1>Berlin</hd_location_a1>"
	    "<hd_location_a3>Berlin</hd_location_a3><hd_location_rd>Musterstrasse</hd_location_rd>"
	    "<hd_location_hno>12</hd_location_hno><hd_location_bld>B</hd_location_bld>"
	    "<hd_location_flr>2</hd_location_flr><hd_location_room>2.14</hd_location_room>"
	    "<hd_emergency_callback>+4930123456</hd_emergency_callback>"));
	REQUIRE(p.ok());
	CHECK(p->emergency.via_pool);
	CHECK(p->emergency.location_on_idle);
	CHECK(p->emergency.location.country == "DE");
	CHECK(p->emergency.location.RD == "Musterstrasse");
	CHECK(p->emergency.location.ROOM == "2.14");
	CHECK(p->emergency.callback == "+4930123456");
	CHECK(p->emergency.location.short_line() == "Bldg B, Fl 2, Rm 2.14");

	CHECK(error_of(device_with("<hd_emergency_via_pool>yes</hd_emergency_via_pool>")) ==
	      "profile: <hd_emergency_via_pool> line 1: must be on or off (1 or 0)");
	CHECK(error_of(device_with("<hd_location_country>DEU</hd_location_country>"))
	          .find("<hd_location_country> line 1: must be an ISO 3166-1 alpha-2") !=
	      std::string::npos);
	CHECK(error_of(device_with("<hd_emergency_callback>112 or so</hd_emergency_callback>"))
	          .find("<hd_emergency_callback>") != std::string::npos);
	CHECK(error_of(
	          device_with("<hd_location_room>" + std::string(65, 'x') + "</hd_location_room>"))
	          .find("<hd_location_room> line 1: longer than 64 bytes") != std::string::npos);
}

TEST_CASE("profile: hd_dial_terminator in the device and the user profile")
{
	struct Case {
		const char *extra;
		bool ok;
		std::optional<DialTerminator> want;
	};
	const Case device[] = {
	    {"", true, std::nullopt},
	    {"<hd_dial_terminator>none</hd_dial_terminator>", true, DialTerminator::None},
	    {"<hd_dial_terminator>hash</hd_dial_terminator>", true, DialTerminator::Hash},
	    {"<hd_dial_terminator>#</hd_dial_terminator>", false, std::nullopt},
	    {"<hd_dial_terminator>none</hd_dial_terminator>"
	     "<hd_dial_terminator>hash</hd_dial_terminator>",
	     false, std::nullopt},
	};
	for (const auto &c : device) {
		INFO(std::string(c.extra));
		auto p = parse_device_profile(device_with(c.extra));
		REQUIRE(p.ok() == c.ok);
		if (c.ok) {
			CHECK(p->dial_terminator == c.want);
			CHECK(p->dial_plan.terminator == c.want.value_or(DialTerminator::Hash));
		} else {
			CHECK(p.error().str().find("<hd_dial_terminator>") != std::string::npos);
		}
	}
	// The user's: decoration, a bad value is dropped with a warning.
	const Case user[] = {
	    {"", true, std::nullopt},
	    {"<hd_dial_terminator>none</hd_dial_terminator>", true, DialTerminator::None},
	    {"<hd_dial_terminator>pound</hd_dial_terminator>", true, std::nullopt},
	};
	for (const auto &c : user) {
		INFO(std::string(c.extra));
		auto u = parse_user_profile(std::string("<settings><phone-settings>") + c.extra +
		                            "</phone-settings></settings>");
		REQUIRE(u.ok());
		CHECK(u->dial_terminator == c.want);
		const bool bad = std::string(c.extra).find("pound") != std::string::npos;
		CHECK(u->warnings.size() == (bad ? 1u : 0u));
	}
}

TEST_CASE("profile: an auto-logout countdown never outlasts half of the idle time or session")
{
	auto p = parse_device_profile(device_with("<hd_auto_logout_idle>1m</hd_auto_logout_idle>"));
	REQUIRE(p.ok());
	CHECK(p->auto_logout.countdown_s == 30); // the default 60 would be all of it
	REQUIRE(p->warnings.size() == 1);
	CHECK(p->warnings[0].find("<hd_auto_logout_countdown_s>") != std::string::npos);
	auto m = parse_device_profile(
	    device_with("<hd_auto_logout_max_session>20s</hd_auto_logout_max_session>"
	                "<hd_auto_logout_countdown_s>600</hd_auto_logout_countdown_s>"));
	REQUIRE(m.ok());
	CHECK(m->auto_logout.countdown_s == 10);
	auto ok =
	    parse_device_profile(device_with("<hd_auto_logout_idle>30m</hd_auto_logout_idle>"));
	REQUIRE(ok.ok());
	CHECK(ok->auto_logout.countdown_s == 60);
	CHECK(ok->warnings.empty());
}

TEST_CASE("profile: hd_login_flow chooses the PBX flow; identity 1 is then whoever it names")
{
	auto local = parse_device_profile(device_with(""));
	REQUIRE(local.ok());
	CHECK_FALSE(local->dial_plan.login_by_call);
	CHECK_FALSE(provisions_person(*local));

	auto pool = parse_device_profile(device_with("<hd_login_flow>pbx</hd_login_flow>"));
	REQUIRE(pool.ok());
	CHECK(pool->dial_plan.login_by_call);
	CHECK_FALSE(provisions_person(*pool)); // hd_pool_ext defaults to user_name

	auto person = parse_device_profile(device_with("<hd_login_flow>pbx</hd_login_flow>"
	                                               "<hd_pool_ext>HD0042</hd_pool_ext>",
	                                               "<fkey idx=\"0\" label=\"Bob &amp; Co\">"
	                                               "blf 101|*8</fkey>"));
	REQUIRE(person.ok());
	CHECK(provisions_person(*person));
	// The person's decoration travels as a user profile, without the account.
	const std::string xml = person_profile_xml(*person);
	CHECK(xml.find(person->pool.password) == std::string::npos);
	auto up = parse_user_profile(xml);
	REQUIRE(up.ok());
	REQUIRE(up->blf.size() == 1);
	CHECK(up->blf[0].ext == "101");
	CHECK(up->blf[0].pickup == "*8");
	CHECK(up->blf[0].label == "Bob & Co");
	CHECK(up->realname == person->pool.realname);

	const std::string bad = error_of(device_with("<hd_login_flow>ivr</hd_login_flow>"));
	CHECK(bad.find("hd_login_flow") != std::string::npos);
	CHECK(bad.find("local or pbx") != std::string::npos);
}
