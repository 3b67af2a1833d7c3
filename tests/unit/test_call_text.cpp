// SPDX-License-Identifier: BSD-3-Clause
// Words and lines for the call screen (agent/core/call_text.h).
#include <doctest/doctest.h>

#include "agent/core/call_text.h"

#include <string>
#include <utility>
#include <vector>

using namespace hotdesk;

TEST_CASE("call text: running duration mm:ss, h:mm:ss past an hour")
{
	const std::vector<std::pair<uint64_t, std::string>> cases = {
	    {0, "00:00"},        {7, "00:07"},          {59, "00:59"},     {60, "01:00"},
	    {754, "12:34"},      {3599, "59:59"},       {3600, "1:00:00"}, {3723, "1:02:03"},
	    {86399, "23:59:59"}, {360000, "100:00:00"},
	};
	for (const auto &[s, want] : cases) {
		INFO(s);
		CHECK(format_duration(s) == want);
	}
}

TEST_CASE("call text: the number of a peer URI")
{
	const std::vector<std::pair<std::string, std::string>> cases = {
	    {"sip:200@127.0.0.1:5070", "200"},
	    {"sip:200@127.0.0.1:5070;transport=tcp", "200"},
	    {"<sip:alice@example.com>", "alice"},
	    {"sips:+4930123@pbx.example.com", "+4930123"},
	    {"SIP:300@host", "300"},
	    {"tel:+4930123;phone-context=example.com", "+4930123"},
	    {"sip:bob:secret@host", "bob"},
	    {"sip:host.example.com", "host.example.com"},
	    {"sip:200;user=phone@host", "200"},
	    {"", ""},
	    {"200", "200"},
	    {"sip:\x01\x1b[2J@host", "  [2J"},
	};
	for (const auto &[uri, want] : cases) {
		INFO(uri);
		CHECK(peer_number(uri) == want);
	}
	CHECK(peer_number("sip:" + std::string(500, '9') + "@h").size() == kMaxPeerText);
}

TEST_CASE("call text: why a call ended, in words")
{
	const std::vector<std::pair<std::string, std::string>> cases = {
	    {"486 Busy Here", "Busy"},
	    {"600 Busy Everywhere", "Busy"},
	    {"404 Not Found", "Not found"},
	    {"604 Does Not Exist Anywhere", "Not found"},
	    {"480 Temporarily Unavailable", "Unavailable"},
	    {"603 Decline", "Declined"},
	    {"408 Request Timeout", "No answer"},
	    {"487 Request Terminated", "Cancelled"},
	    {"503 Service Unavailable", "Failed: Service Unavailable"},
	    {"500", "Failed: 500"},
	    {"488 ", "Failed: 488"},
	    {"Connection reset by peer", "Call ended"},
	    {"Connection reset by user", "Call ended"},
	    {"", "Call ended"},
	    {"Local timeout", "No answer"},
	    {"Call transfered", "Transferred"},
	    {"No audio codecs", "Failed: No audio codecs"},
	    {"4861 Busy", "Failed: 4861 Busy"},
	    {"999 Odd", "Failed: 999 Odd"},
	};
	for (const auto &[param, want] : cases) {
		INFO(param);
		CHECK(call_end_text(param) == want);
	}
	CHECK(call_end_status("486 Busy Here") == 486);
	CHECK(call_end_status("486") == 486);
	CHECK(call_end_status("48x") == 0);
	CHECK(call_end_status("Local timeout") == 0);
	// Hostile reason text is bounded and has no control characters.
	const std::string long_text = call_end_text("499 " + std::string(1000, 'x') + "\n");
	CHECK(long_text.size() <= 48);
	CHECK(long_text.find('\n') == std::string::npos);
}

TEST_CASE("call text: SIP Call-IDs fit for a ctrl_tcp command line")
{
	for (const std::string &ok : std::vector<std::string>{
	         "a84b4c76e66710", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com",
	         "3848276298220188511@atlanta.example.com", "abc.def!%*_+`'~()<>:\\\"/[]?{}"})
		CHECK_MESSAGE(valid_call_id(ok), ok);
	for (const std::string &bad :
	     std::vector<std::string>{"", "a b", "a\nquit", "a\tb", "@host", "id@", "a@b@c",
	                              std::string(257, 'a'), std::string("a\0b", 3), "a;b", "a,b"})
		CHECK_MESSAGE(!valid_call_id(bad), bad.size());
	CHECK(valid_call_id(std::string(256, 'a')));
}

TEST_CASE("call text: two columns on a 24-column line")
{
	CHECK(two_columns("Connected", "01:23") == "Connected          01:23");
	CHECK(two_columns("Connected", "01:23").size() == 24);
	CHECK(two_columns("On hold", "1:02:03") == "On hold          1:02:03");
	CHECK(two_columns("A very long status text indeed", "01:23") == "A very long status 01:23");
	CHECK(two_columns("Busy", "") == "Busy");
	CHECK(two_columns("M\xC3\xBCller", "1/3", 10) == "M\xC3\xBCller 1/3");
	// Never cut inside a UTF-8 character.
	const std::string cut = two_columns("\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC", "1/3", 7);
	CHECK(cut == "\xC3\xBC\xC3\xBC\xC3\xBC 1/3");
	CHECK(bounded("ab\xC3\xBC", 3) == "ab");
	CHECK(bounded("a\tb\x7f", 10) == "a b ");
}
