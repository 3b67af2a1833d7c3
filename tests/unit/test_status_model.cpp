// SPDX-License-Identifier: BSD-3-Clause
#include <doctest/doctest.h>

#include "agent/status/auth_limiter.h"
#include "agent/status/status_model.h"
#include "agent/status/status_router.h"
#include "status_support.h"

#include <tinyxml2.h>

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

StatusSnapshot sample()
{
	return test::FakeHandler().snap; // a user name full of markup characters
}

ParsedRequest request(const std::string &method, const std::string &path,
                      std::vector<std::pair<std::string, std::string>> headers = {})
{
	ParsedRequest r;
	r.method = method;
	r.path = r.target = path;
	r.headers = std::move(headers);
	return r;
}

} // namespace

TEST_CASE("status model: JSON round trip, with characters that need escaping")
{
	StatusSnapshot s = sample();
	s.last_error = "line1\nline2 \\ \"quoted\"";
	const std::string json = render_json(s);
	CHECK(json.find("\"device\":{\"mac\":\"02:00:00:00:00:01\",\"pool_ext\":\"HD0001\"}") !=
	      std::string::npos);
	CHECK(json.find("\"seq\":7") != std::string::npos);
	auto back = parse_status_json(json);
	REQUIRE(back.ok());
	CHECK(back->device_id == s.device_id);
	CHECK(back->pool_ext == s.pool_ext);
	CHECK(back->user_name == s.user_name);
	CHECK(back->last_error == s.last_error);
	CHECK(back->state == "logged-in");
	CHECK(back->since_iso == s.since_iso);
	CHECK(back->registration == "registered");
	CHECK(back->uptime_s == 42);
	CHECK(back->seq == 7);
}

TEST_CASE("status model: idle has user null")
{
	StatusSnapshot s = sample();
	s.state = "idle";
	s.user_ext.clear();
	s.user_name.clear();
	const std::string json = render_json(s);
	CHECK(json.find("\"user\":null") != std::string::npos);
	auto back = parse_status_json(json);
	REQUIRE(back.ok());
	CHECK(back->user_ext.empty());
	CHECK_FALSE(parse_status_json("{\"x\":1}").ok());
	CHECK_FALSE(parse_status_json("not json").ok());
}

TEST_CASE("status model: XML is well formed and escaped")
{
	const StatusSnapshot s = sample();
	const std::string xml = render_xml(s);
	tinyxml2::XMLDocument doc;
	REQUIRE(doc.Parse(xml.c_str(), xml.size()) == tinyxml2::XML_SUCCESS);
	const auto *root = doc.FirstChildElement("status");
	REQUIRE(root);
	CHECK(std::string(root->FirstChildElement("device")->FirstChildElement("mac")->GetText()) ==
	      s.device_id);
	CHECK(std::string(root->FirstChildElement("user")->FirstChildElement("name")->GetText()) ==
	      s.user_name);
	CHECK(std::string(root->FirstChildElement("seq")->GetText()) == "7");
	CHECK(xml.find("<name>Alice &lt;Example&gt; &amp;") != std::string::npos);
}

TEST_CASE("status model: health and text")
{
	StatusSnapshot s = sample();
	CHECK(status_healthy(s));
	s.registration = "failed";
	CHECK_FALSE(status_healthy(s));
	s.registration = "registered";
	s.state = "logging-in";
	CHECK_FALSE(status_healthy(s));
	s.state = "idle";
	CHECK(status_healthy(s));
	const std::string text = render_text(s);
	CHECK(text.find("Health:       OK") != std::string::npos);
	CHECK(text.find("0d 00h 00m 42s") != std::string::npos);
}

TEST_CASE("status model: damaged state files are reported in every rendering")
{
	StatusSnapshot s = sample();
	CHECK(render_text(s).find("State files") == std::string::npos);
	CHECK(render_json(s).find("\"state_damaged\":\"\"") != std::string::npos);
	s.state_damaged = "occupancy.damaged,user.100.damaged";
	auto back = parse_status_json(render_json(s));
	REQUIRE(back.ok());
	CHECK(back->state_damaged == s.state_damaged);
	CHECK(*back == s);
	CHECK(render_xml(s).find(
	          "<state_damaged>occupancy.damaged,user.100.damaged</state_damaged>") !=
	      std::string::npos);
	CHECK(render_text(s).find(
	          "State files:  damaged, kept as occupancy.damaged,user.100.damaged") !=
	      std::string::npos);
	StatusSnapshot other = s;
	other.state_damaged.clear();
	CHECK(other != s);
}

TEST_CASE("constant_time_equal")
{
	CHECK(constant_time_equal("secret", "secret"));
	CHECK_FALSE(constant_time_equal("secret", "secreT"));
	CHECK_FALSE(constant_time_equal("secret", "secret1"));
	CHECK_FALSE(constant_time_equal("", "x"));
	CHECK(constant_time_equal("", ""));
}

TEST_CASE("router: bearer tokens")
{
	CHECK(bearer_matches(request("GET", "/", {{"authorization", "Bearer tok"}}), "tok"));
	CHECK(bearer_matches(request("GET", "/", {{"authorization", "bearer   tok"}}), "tok"));
	CHECK_FALSE(bearer_matches(request("GET", "/", {{"authorization", "Bearer tok2"}}), "tok"));
	CHECK_FALSE(bearer_matches(request("GET", "/", {{"authorization", "Basic dG9r"}}), "tok"));
	CHECK_FALSE(bearer_matches(request("GET", "/"), "tok"));
	CHECK_FALSE(bearer_matches(request("GET", "/", {{"authorization", "Bearer "}}), ""));
}

TEST_CASE("router: content negotiation")
{
	const std::string xml = "application/xml";
	CHECK_FALSE(prefers_xml(nullptr));
	CHECK(prefers_xml(&xml));
	const std::string text_xml = "text/xml";
	CHECK(prefers_xml(&text_xml));
	const std::string both = "application/json, application/xml;q=0.5";
	CHECK_FALSE(prefers_xml(&both));
	const std::string xml_first = "application/xml, application/json;q=0.9";
	CHECK(prefers_xml(&xml_first));
	const std::string any = "*/*";
	CHECK_FALSE(prefers_xml(&any));
	const std::string spaced = "application/json ; q=0.1, text/xml";
	CHECK(prefers_xml(&spaced));
}

TEST_CASE("router: routes, methods and replies")
{
	test::FakeHandler h;
	CHECK(route_request(request("GET", "/status"), h).status == 200);
	const HttpReply xml =
	    route_request(request("GET", "/status", {{"accept", "application/xml"}}), h);
	CHECK(xml.content_type.rfind("application/xml", 0) == 0);
	CHECK(route_request(request("POST", "/logout"), h).status == 202);
	CHECK(h.logouts == 1);
	CHECK(route_request(request("POST", "/resync"), h).status == 202);
	CHECK(h.resyncs == 1);
	h.refuse = true;
	const HttpReply refused = route_request(request("POST", "/logout"), h);
	CHECK(refused.status == 409);
	CHECK(refused.body.find("nobody is logged in") != std::string::npos);
	const HttpReply wrong = route_request(request("DELETE", "/status"), h);
	CHECK(wrong.status == 405);
	REQUIRE(wrong.headers.size() == 1);
	CHECK(wrong.headers[0].second == "GET");
	CHECK(route_request(request("GET", "/logout"), h).status == 405);
	CHECK(route_request(request("GET", "/nope"), h).status == 404);
	CHECK(route_request(request("GET", "/status/"), h).status == 404);
}

TEST_CASE("router: POST /logout may name whom, an unusable body is refused and changes nothing")
{
	struct Case {
		const char *body;
		int status;
		std::string ext;   // what the handler was asked, when 202
		std::string words; // in the 400's message
	};
	const std::vector<Case> cases = {
	    {"", 202, "", ""},
	    {"  \r\n", 202, "", ""},
	    {"{}", 202, "", ""},
	    {R"({"ext":null})", 202, "", ""},
	    {R"({"ext":"100"})", 202, "100", ""},
	    {R"( {"ext":"HD0001","why":"x"})", 202, "HD0001", ""},
	    {"ext=100", 400, "", "not a JSON object"},
	    {R"(["100"])", 400, "", "not a JSON object"},
	    {R"({"ext":100})", 400, "", "ext must be a string"},
	    {R"({"ext":""})", 400, "", "ext "},
	    {R"({"ext":"10 0"})", 400, "", "ext "},
	    {R"({"ext":"100")", 400, "", "not a JSON object"},
	};
	for (const auto &c : cases) {
		INFO("body: " << c.body);
		test::FakeHandler h;
		ParsedRequest r = request("POST", "/logout");
		r.body = c.body;
		const HttpReply reply = route_request(r, h);
		CHECK(reply.status == c.status);
		if (c.status == 202) {
			CHECK(h.logout_exts == std::vector<std::string>{c.ext});
			continue;
		}
		CHECK(h.logouts == 0);
		CHECK_FALSE(reply.close); // a well-formed request: the connection goes on
		CHECK(reply.body.find("bad_request") != std::string::npos);
		CHECK(reply.body.find("logout body") != std::string::npos);
		CHECK(reply.body.find(c.words) != std::string::npos);
	}
}

TEST_CASE("router: serialised replies")
{
	const std::string s = serialize_reply(unauthorized_reply(), true);
	CHECK(s.rfind("HTTP/1.1 401 Unauthorized\r\n", 0) == 0);
	CHECK(s.find("WWW-Authenticate: Bearer\r\n") != std::string::npos);
	CHECK(s.find("Cache-Control: no-store\r\n") != std::string::npos);
	CHECK(s.find("Connection: keep-alive\r\n") != std::string::npos);
	const std::string t = serialize_reply(too_many_reply(29001), true);
	CHECK(t.find("Retry-After: 30\r\n") != std::string::npos);
	CHECK(t.find("Connection: close\r\n") != std::string::npos);
	CHECK(error_reply(431).close);
	CHECK_FALSE(error_reply(404).close);
}

TEST_CASE("auth limiter: blocks after repeated failures, then forgives")
{
	AuthLimiter l; // 5 in 60 s -> 30 s
	for (int i = 0; i < 4; ++i)
		l.failure("10.0.0.1", 1000 + i);
	CHECK(l.blocked_for("10.0.0.1", 1010) == 0);
	l.failure("10.0.0.1", 1010);
	CHECK(l.blocked_for("10.0.0.1", 1010) == 30000);
	CHECK(l.blocked_for("10.0.0.2", 1010) == 0);
	CHECK(l.blocked_for("10.0.0.1", 31010) == 0);
}

TEST_CASE("auth limiter: failures outside the window do not add up")
{
	AuthLimiter l;
	for (int i = 0; i < 10; ++i)
		l.failure("a", static_cast<uint64_t>(i) * 20000); // one per 20 s
	CHECK(l.blocked_for("a", 200000) == 0);
	l.success("a");
	CHECK(l.tracked() == 0);
}

TEST_CASE("auth limiter: memory stays bounded")
{
	AuthLimiter::Params p;
	p.max_tracked = 8;
	AuthLimiter l(p);
	for (int i = 0; i < 100; ++i)
		l.failure("10.0.0." + std::to_string(i), 1000);
	CHECK(l.tracked() <= 8);
}

TEST_CASE("router: the render cache follows every change of the snapshot")
{
	StatusRenderCache cache;
	StatusSnapshot s = sample();
	CHECK(cache.json(s) == render_json(s));
	s.uptime_s += 1; // same seq, but a different document
	CHECK(cache.json(s) == render_json(s));
	s.user_name = "Bob";
	CHECK(cache.json(s) == render_json(s));
	CHECK(cache.xml(s) == render_xml(s));
	s.state = "error";
	CHECK(cache.xml(s) == render_xml(s));
	test::FakeHandler h;
	ParsedRequest r = request("GET", "/status");
	CHECK(route_request(r, h, &cache).body == route_request(r, h).body);
}

TEST_CASE("status model: a logout waiting for the calls is reported in JSON, XML and text")
{
	StatusSnapshot s = sample();
	s.pending = "logout";
	s.calls = 1;
	auto back = parse_status_json(render_json(s));
	REQUIRE(back.ok());
	CHECK(back->pending == "logout");
	CHECK(back->calls == 1);
	CHECK(*back == s);
	CHECK(render_xml(s).find("<pending>logout</pending><calls>1</calls>") != std::string::npos);
	CHECK(render_text(s).find("Calls:        1, logout after the last call") !=
	      std::string::npos);
}

TEST_CASE("status: which identity emergency calls use and the desk's location (issue 16)")
{
	StatusSnapshot s;
	s.state = "logged-in";
	s.seq = 3;
	s.user_ext = "100";
	s.emergency_via = "pool";
	s.emergency_ext = "HD0001";
	s.emergency_registration = "registered";
	s.emergency_callback = "+4930123456";
	s.location.country = "DE";
	s.location.ROOM = "2.14 <\"east\">";
	const std::string j = render_json(s);
	CHECK(j.find("\"emergency\":{\"via\":\"pool\",\"ext\":\"HD0001\"") != std::string::npos);
	auto back = parse_status_json(j);
	REQUIRE(back.ok());
	CHECK(*back == s);
	const std::string x = render_xml(s);
	CHECK(x.find("<emergency><via>pool</via><ext>HD0001</ext>") != std::string::npos);
	CHECK(x.find("<ROOM>2.14 &lt;\"east\"&gt;</ROOM>") != std::string::npos);
	CHECK(render_text(s).find("Emergency:    HD0001 (pool, registered), Rm 2.14") !=
	      std::string::npos);
}
