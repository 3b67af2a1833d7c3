// SPDX-License-Identifier: BSD-3-Clause
// baresip ctrl_tcp messages: decoding responses and events, encoding
// commands (string fields only), and the text of `reginfo`.
#include <doctest/doctest.h>

#include "agent/ctrl/ctrl_message.h"
#include "agent/ctrl/reginfo.h"
#include "platform/re/re_cxx.h"

#include <string>
#include <vector>

using namespace hotdesk;

TEST_CASE("ctrl_message: decode a response, ok and not ok")
{
	auto ok = ctrl_decode(
	    R"({"response":true,"ok":true,"data":"--- User Agents (1) ---\n","token":"hd7"})");
	REQUIRE(ok.ok());
	CHECK(ok->kind == CtrlMessage::Response);
	CHECK(ok->ok);
	CHECK(ok->token == "hd7");
	CHECK(ok->data == "--- User Agents (1) ---\n");

	auto bad = ctrl_decode(
	    R"({"response":true,"ok":false,"data":"No such file or directory","token":"hd8"})");
	REQUIRE(bad.ok());
	CHECK(bad->kind == CtrlMessage::Response);
	CHECK_FALSE(bad->ok);
	CHECK(bad->token == "hd8");
	CHECK(bad->data == "No such file or directory");

	// A response without data or token (baresip sends both, but be lenient).
	auto bare = ctrl_decode(R"({"response":true,"ok":true})");
	REQUIRE(bare.ok());
	CHECK(bare->token.empty());
	CHECK(bare->data.empty());
}

TEST_CASE("ctrl_message: decode an event with its fields")
{
	auto reg = ctrl_decode(R"({"event":true,"type":"REGISTER_OK","class":"register",)"
	                       R"("accountaor":"sip:100@127.0.0.1:5070","param":"200 OK"})");
	REQUIRE(reg.ok());
	CHECK(reg->kind == CtrlMessage::Event);
	CHECK(reg->type == "REGISTER_OK");
	CHECK(reg->klass == "register");
	CHECK(reg->aor == "sip:100@127.0.0.1:5070");
	CHECK(reg->param == "200 OK");

	auto call =
	    ctrl_decode(R"({"event":true,"type":"CALL_INCOMING","class":"call",)"
	                R"("accountaor":"sip:HD0001@127.0.0.1:5070","direction":"incoming",)"
	                R"("peeruri":"sip:200@127.0.0.1:5070","peerdisplayname":"Bob \"B\"",)"
	                R"("id":"4f1a-77@127.0.0.1","param":"sip:200@127.0.0.1:5070"})");
	REQUIRE(call.ok());
	CHECK(call->type == "CALL_INCOMING");
	CHECK(call->klass == "call");
	CHECK(call->direction == "incoming");
	CHECK(call->peeruri == "sip:200@127.0.0.1:5070");
	CHECK(call->call_id == "4f1a-77@127.0.0.1");
	CHECK(call->aor == "sip:HD0001@127.0.0.1:5070");
}

TEST_CASE("ctrl_message: decode an event with a nested object (CALL_RTCP)")
{
	// baresip's event.c puts the RTCP statistics in a nested object.
	const std::string rtcp =
	    R"({"event":true,"type":"CALL_RTCP","class":"call","accountaor":"sip:100@127.0.0.1:5070",)"
	    R"("direction":"outgoing","peeruri":"sip:200@127.0.0.1:5070","id":"abc@host",)"
	    R"("param":"audio","rtcp_stats":{"tx":{"sent":250,"lost":0,"jit":1200},)"
	    R"("rx":{"sent":249,"lost":-1,"jit":0.75},"rtt":3.5}})";
	auto m = ctrl_decode(rtcp);
	REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().str()));
	CHECK(m->kind == CtrlMessage::Event);
	CHECK(m->type == "CALL_RTCP");
	CHECK(m->param == "audio");
	CHECK(m->direction == "outgoing");
	CHECK(m->call_id == "abc@host");
}

TEST_CASE("ctrl_message: what is not a response or an event is an error")
{
	struct Case {
		const char *payload;
		const char *why;
	};
	const Case cases[] = {
	    // re's decoder takes "" and bare words for an empty object, so
	    // these are "neither"; either way they are errors.
	    {"", ""},
	    {"{", "not valid JSON"},
	    {"not json at all", ""},
	    {"[1,2]", "neither"},
	    {"null", ""},
	    {R"({"response":true,"ok":true,"data":"x")", "not valid JSON"},
	    {R"({"command":"reginfo","params":"","token":"t1"})", "neither"},
	    {R"({"response":false,"ok":true})", "neither"},
	    {R"({"event":false,"type":"REGISTER_OK"})", "neither"},
	    {R"({"response":"true","ok":true})", "neither"},
	    {R"({})", "neither"},
	    {R"({"response":true,"data":"x","token":"t1"})", "without boolean 'ok'"},
	    {R"({"response":true,"ok":"true","token":"t1"})", "without boolean 'ok'"},
	    {R"({"event":true,"class":"register"})", "event without 'type'"},
	    {R"({"event":true,"type":7})", "event without 'type'"},
	};
	for (const auto &c : cases) {
		INFO("payload: " << std::string(c.payload));
		auto m = ctrl_decode(c.payload);
		REQUIRE_FALSE(m.ok());
		CHECK(m.error().where == "ctrl");
		CHECK(m.error().what.find(c.why) != std::string::npos);
	}
}

namespace
{

struct Decoded {
	bool ok = false;
	size_t count = 0;
	bool all_strings = true;
	std::string command, params, token;
};

// Decode with re's own JSON decoder, as baresip does.
Decoded re_decode(const std::string &json)
{
	Decoded d;
	ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 8, json.data(), json.size(), 4))
		return d;
	d.ok = true;
	d.count = odict_count(o.get(), false);
	for (const char *k : {"command", "params", "token"}) {
		const struct odict_entry *e = odict_lookup(o.get(), k);
		d.all_strings = d.all_strings && e && e->type == ODICT_STRING;
	}
	d.command = odict_str(o.get(), "command");
	d.params = odict_str(o.get(), "params");
	d.token = odict_str(o.get(), "token");
	return d;
}

} // namespace

TEST_CASE("ctrl_message: encode gives string fields only and round-trips through re's decoder")
{
	struct Case {
		std::string command, params, token;
	};
	const std::vector<Case> cases = {
	    {"reginfo", "", "hd1"},
	    {"uafind", "sip:100@127.0.0.1:5070", "hd2"},
	    {"dial", "12345", "42"}, // digits stay a string, never a number
	    {"uanew", "\"Alice \\\"A\\\" Example\" <sip:100@127.0.0.1:5070>;regint=300", "hd3"},
	    {"dial", "tab\there, newline\nthere, cr\r, bell\x07", "hd4"},
	    {"dial", "Zoë 日本 😀 / back\\slash", "hd5"},
	    {"x", "{\"not\":\"an object\"}", "t\"k"},
	};
	for (const auto &c : cases) {
		INFO("command " << c.command << " token " << c.token);
		auto json = ctrl_encode_command(c.command, c.params, c.token);
		REQUIRE(json.ok());
		const Decoded d = re_decode(*json);
		REQUIRE(d.ok);
		CHECK(d.count == 3);
		CHECK(d.all_strings);
		CHECK(d.command == c.command);
		CHECK(d.params == c.params);
		CHECK(d.token == c.token);
		// And our own decoder does not mistake a command for a message.
		CHECK_FALSE(ctrl_decode(*json).ok());
	}
}

TEST_CASE("reginfo: parse baresip's text with ANSI colour codes")
{
	// As agent/ctrl/reginfo.h shows it.
	const std::string text =
	    "\n--- User Agents (2) ---\n"
	    "> sip:HD0001@127.0.0.1:5070      \x1b[32mOK \x1b[;m kamailio ... Expires 300s\n"
	    "  sip:100@127.0.0.1:5070         \x1b[33mzzz\x1b[;m  Expires 0s\n";
	const auto uas = parse_reginfo(text);
	REQUIRE(uas.size() == 2);
	CHECK(uas[0].aor == "sip:HD0001@127.0.0.1:5070");
	CHECK(uas[0].current);
	CHECK(uas[0].registered);
	CHECK(uas[1].aor == "sip:100@127.0.0.1:5070");
	CHECK_FALSE(uas[1].current);
	CHECK_FALSE(uas[1].registered);
	CHECK(uas[0].expires_s == 300);
	CHECK(uas[1].expires_s == 0);
}

TEST_CASE("reginfo: the granted interval, as measured after a 423 with Min-Expires")
{
	const std::string text = "\n--- User Agents (1) ---\n"
	                         "  sip:u423m@127.0.0.1:35933                  \x1b[32mOK \x1b[;m "
	                         "kamailio (5.6.3 (x86_64/linux)) Expires 3600s\n";
	const auto uas = parse_reginfo(text);
	REQUIRE(uas.size() == 1);
	CHECK(uas[0].expires_s == 3600);
	CHECK(parse_reginfo("  sip:a@b OK Expires 99999999999s\n")[0].expires_s == 0);
	CHECK(parse_reginfo("  sip:a@b OK Expires s\n")[0].expires_s == 0);
	CHECK(parse_reginfo("  sip:a@b OK Expires 12x\n")[0].expires_s == 0);
}

TEST_CASE("reginfo: no accounts, sips, colour around the marker, CRLF")
{
	CHECK(parse_reginfo("\n--- User Agents (0) ---\n").empty());
	CHECK(parse_reginfo("").empty());

	const std::string text = "--- User Agents (3) ---\r\n"
	                         "\x1b[1m>\x1b[;m sips:alice@pbx.example.com \x1b[32mOK\x1b[;m\r\n"
	                         "  sip:bob@pbx.example.com \x1b[31mERR\x1b[;m 401\r\n"
	                         "  sip:carol@pbx.example.com\r\n";
	const auto uas = parse_reginfo(text);
	REQUIRE(uas.size() == 3);
	CHECK(uas[0].aor == "sips:alice@pbx.example.com");
	CHECK(uas[0].current);
	CHECK(uas[0].registered);
	CHECK(uas[1].aor == "sip:bob@pbx.example.com");
	CHECK_FALSE(uas[1].registered);
	CHECK(uas[2].aor == "sip:carol@pbx.example.com");
	CHECK_FALSE(uas[2].registered);
}

TEST_CASE("ctrl_message: auth_pass values never leave the decoder")
{
	// What baresip 1.0.0 answers to a uanew it cannot use (measured).
	const char *failed =
	    R"({"response":true,"ok":false,"data":"Creating UA for <sip:bad@>;auth_pass=S3cr3t;regint=60 ...\nmenu: create_ua failed: Invalid argument\n","token":"t1"})";
	auto m = ctrl_decode(failed);
	REQUIRE(m.ok());
	CHECK(m->data.find("S3cr3t") == std::string::npos);
	CHECK(m->data.find("auth_pass=***;regint=60") != std::string::npos);
	CHECK(m->data.find("create_ua failed") != std::string::npos);

	CHECK(redact_account_secrets("a auth_pass=x1 b auth_pass=\"q;uo ted\">c") ==
	      "a auth_pass=*** b auth_pass=***>c");
	CHECK(redact_account_secrets("auth_pass=") == "auth_pass=***");
	CHECK(redact_account_secrets("auth_pass=end") == "auth_pass=***");
	CHECK(redact_account_secrets("no secret here") == "no secret here");
}

TEST_CASE("ctrl_message: auth_pass values are redacted in the raw frame, which stays valid JSON")
{
	// What baresip 1.0.0 prints for a uanew, as the JSON of its response.
	const std::string raw =
	    R"({"response":true,"ok":true,"data":"Creating UA for \"Bob\" <sip:101@h>;auth_pass=\"sipBob-19\";regint=600 ...\n","token":"t2"})";
	const std::string red = redact_account_secrets_json(raw);
	CHECK(red.find("sipBob-19") == std::string::npos);
	auto m = ctrl_decode(red);
	REQUIRE(m.ok());
	CHECK(m->token == "t2");
	CHECK(m->data.find("auth_pass=***;regint=600") != std::string::npos);

	struct Row {
		const char *in, *out;
	} rows[] = {
	    {R"("x auth_pass=pw\n")", R"("x auth_pass=***\n")"}, // an escape ends it
	    {R"("x auth_pass=pw")", R"("x auth_pass=***")"},     // the string's end
	    {R"("auth_pass=a;auth_pass=bb>")", R"("auth_pass=***;auth_pass=***>")"},
	    {R"("auth_pass=\"q;uo te\"d")", R"("auth_pass=***d")"}, // a quoted value
	    {R"("auth_pass=\"open)", R"("auth_pass=***)"},          // unterminated
	    {R"("auth_pass=")", R"("auth_pass=***")"},
	    {R"("nothing")", R"("nothing")"},
	};
	for (const Row &r : rows)
		CHECK(redact_account_secrets_json(r.in) == r.out);
}
