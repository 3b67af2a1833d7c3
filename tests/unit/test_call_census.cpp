// SPDX-License-Identifier: BSD-3-Clause
// The call census after hotdeskd (re)connects (core/call_census.h): baresip
// 1.0.0's `callstat` text read exactly, and Calls::adopt taking up a call it
// has no record of, also one it had taken for gone when the link was lost.
#include <doctest/doctest.h>

#include "agent/core/call_census.h"

#include <string>

using namespace hotdesk;

namespace
{
// As baresip 1.0.0 printed it for a call 100 -> 101 (measured).
const std::string kEstablished = "\n===== Call debug (ESTABLISHED) =====\n"
                                 " local_uri: Alice Example <sip:100@127.0.0.1:57869>\n"
                                 " peer_uri:   <sip:101@127.0.0.1:57869>\n"
                                 " af=AF_INET id=bde9023005258faf\n"
                                 " direction: Outgoing\n"
                                 "SDP session\n  local attributes:\n";

std::string with_state(const std::string &state, const std::string &dir)
{
	std::string t = kEstablished;
	t.replace(t.find("ESTABLISHED"), 11, state);
	t.replace(t.find("Outgoing"), 8, dir);
	return t;
}
} // namespace

TEST_CASE("call census: an answered call as baresip 1.0.0 prints it")
{
	const auto e = call_from_callstat(kEstablished);
	REQUIRE(e);
	CHECK(e->type == "CALL_ESTABLISHED");
	CHECK(e->aor == "sip:100@127.0.0.1:57869");
	CHECK(e->peeruri == "sip:101@127.0.0.1:57869");
	CHECK(e->peername.empty());
	CHECK(e->id == "bde9023005258faf");
	CHECK(e->direction == "outgoing");
}

TEST_CASE("call census: ringing calls, and the states left alone")
{
	CHECK(call_from_callstat(with_state("INCOMING", "Incoming"))->type == "CALL_INCOMING");
	CHECK(call_from_callstat(with_state("RINGING", "Outgoing"))->type == "CALL_RINGING");
	CHECK(call_from_callstat(with_state("EARLY", "Outgoing"))->type == "CALL_RINGING");
	CHECK(call_from_callstat(with_state("ESTABLISHED", "Incoming"))->direction == "incoming");
	for (const char *s : {"OUTGOING", "TERMINATED", "IDLE", "UNKNOWN"}) {
		INFO(s);
		CHECK_FALSE(call_from_callstat(with_state(s, "Outgoing")));
	}
}

TEST_CASE("call census: anything else is no call")
{
	std::string no_id = kEstablished;
	no_id.replace(no_id.find("id=bde9023005258faf"), 19, "id=");
	std::string no_uri = kEstablished;
	no_uri.replace(no_uri.find("<sip:100"), 1, "(");
	for (const std::string &t :
	     {std::string(), std::string("\n(no active call)\n"), std::string("call not found\n"),
	      kEstablished.substr(0, 60), no_id, no_uri, with_state("ESTABLISHED", "Sideways")}) {
		INFO(t);
		CHECK_FALSE(call_from_callstat(t));
	}
}
