// SPDX-License-Identifier: BSD-3-Clause
// CtrlClient against a FAKE baresip peer over a real TCP socket on
// 127.0.0.1, both on re's event loop in this thread. Every loop run has a
// watchdog: libre 1.1.0 has no re_main_timeout, so a tmr calls re_cancel
// and the test fails instead of hanging.
#include <doctest/doctest.h>

#include "fake_baresip.h"
#include "re_loop.h"

#include "agent/core/netstring.h"
#include "agent/ctrl/ctrl_client.h"
#include "platform/re/re_cxx.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

using hotdesk::test::Command;
using hotdesk::test::FakeBaresip;
using hotdesk::test::kWatchdogMs;

using hotdesk::test::run_for;
using hotdesk::test::run_until;

// What the client's handlers saw.
struct Seen {
	int up = 0;
	int down = 0;
	std::vector<std::string> down_why;
	std::vector<CtrlMessage> events;

	CtrlClient::Handlers handlers()
	{
		CtrlClient::Handlers h;
		h.up = [this] { ++up; };
		h.down = [this](const std::string &why) {
			++down;
			down_why.push_back(why);
		};
		h.event = [this](const CtrlMessage &m) { events.push_back(m); };
		return h;
	}
};

// The outcome of one request.
struct Result {
	bool done = false;
	int calls = 0;
	bool ok = false;
	std::string text; // data, or the error
};

CtrlClient::ResponseHandler into(Result &r)
{
	return [&r](Expected<std::string> v) {
		++r.calls;
		r.done = true;
		r.ok = v.ok();
		r.text = v.ok() ? *v : v.error().str();
	};
}

} // namespace

TEST_CASE("ctrl_client: responses are matched by token, even out of order")
{
	FakeBaresip peer;
	Seen seen;
	CtrlClient client(peer.addr(), seen.handlers(), 2000);
	REQUIRE(client.start().ok());
	REQUIRE(run_until([&] { return seen.up == 1; }));
	CHECK(client.connected());

	Result a, b, c;
	client.request("uafind", "sip:100@127.0.0.1:5070", into(a));
	client.request("reginfo", "", into(b));
	client.request("uadel", "sip:HD0001@127.0.0.1:5070", into(c));
	REQUIRE(run_until([&] { return peer.commands.size() == 3; }));

	const auto &cmds = peer.commands;
	CHECK(cmds[0].command == "uafind");
	CHECK(cmds[0].params == "sip:100@127.0.0.1:5070");
	CHECK(cmds[1].command == "reginfo");
	CHECK(cmds[1].params.empty());
	CHECK(cmds[2].command == "uadel");
	for (const auto &cmd : cmds)
		CHECK(cmd.all_strings); // a number would crash baresip 1.0.0
	CHECK(cmds[0].token != cmds[1].token);
	CHECK(cmds[1].token != cmds[2].token);
	CHECK(cmds[0].token != cmds[2].token);

	// Answer in the order 3, unknown, 1, 2; two of them in one TCP write.
	peer.respond(cmds[2].token, false, "uadel failed");
	peer.respond("no-such-token", true, "stray");
	peer.send_raw(netstring_encode(FakeBaresip::response_json(cmds[0].token, true, "found")) +
	              netstring_encode(FakeBaresip::response_json(cmds[1].token, true, "ua list")));
	REQUIRE(run_until([&] { return a.done && b.done && c.done; }));
	CHECK(a.ok);
	CHECK(a.text == "found");
	CHECK(b.ok);
	CHECK(b.text == "ua list");
	CHECK_FALSE(c.ok);
	CHECK(c.text.find("uadel failed") != std::string::npos);

	run_for(20); // nothing is answered twice
	CHECK(a.calls == 1);
	CHECK(b.calls == 1);
	CHECK(c.calls == 1);
	CHECK(seen.up == 1);
	CHECK(seen.down == 0);
	CHECK_FALSE(peer.garbled_input);
}

TEST_CASE("ctrl_client: events reach the event handler, between responses")
{
	FakeBaresip peer;
	peer.on_connect = [&] { peer.event("REGISTER_OK", "sip:HD0001@127.0.0.1:5070"); };
	peer.on_command = [&](const Command &cmd) {
		// An event, a nested-object event and the response in one write.
		const std::string rtcp =
		    R"({"event":true,"type":"CALL_RTCP","class":"call","accountaor":"sip:HD0001@127.0.0.1:5070",)"
		    R"("param":"audio","rtcp_stats":{"tx":{"sent":1,"lost":0,"jit":2},"rx":{"sent":1,"lost":0,"jit":0.5},"rtt":1}})";
		peer.send_raw(
		    netstring_encode(
		        FakeBaresip::event_json("REGISTERING", "sip:100@127.0.0.1:5070")) +
		    netstring_encode(rtcp) +
		    netstring_encode(FakeBaresip::response_json(cmd.token, true, "done")));
	};
	Seen seen;
	CtrlClient client(peer.addr(), seen.handlers(), 2000);
	REQUIRE(client.start().ok());
	REQUIRE(run_until([&] { return seen.events.size() == 1; }));
	CHECK(seen.events[0].kind == CtrlMessage::Event);
	CHECK(seen.events[0].type == "REGISTER_OK");
	CHECK(seen.events[0].aor == "sip:HD0001@127.0.0.1:5070");
	CHECK(seen.events[0].param == "200 OK");

	Result r;
	client.request("uanew", "<sip:100@127.0.0.1:5070>;regint=60", into(r));
	REQUIRE(run_until([&] { return r.done; }));
	CHECK(r.ok);
	CHECK(r.text == "done");
	REQUIRE(seen.events.size() == 3);
	CHECK(seen.events[1].type == "REGISTERING");
	CHECK(seen.events[1].aor == "sip:100@127.0.0.1:5070");
	CHECK(seen.events[2].type == "CALL_RTCP");
	CHECK(seen.events[2].klass == "call");
	CHECK(seen.up == 1);
}

TEST_CASE("ctrl_client: a request without a response times out with an error")
{
	FakeBaresip peer; // never answers
	Seen seen;
	CtrlClient client(peer.addr(), seen.handlers(), 100);
	REQUIRE(client.start().ok());
	REQUIRE(run_until([&] { return seen.up == 1; }));

	Result r;
	const auto t0 = std::chrono::steady_clock::now();
	client.request("reginfo", "", into(r));
	REQUIRE(run_until([&] { return r.done; }));
	const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
	                    std::chrono::steady_clock::now() - t0)
	                    .count();
	CHECK_FALSE(r.ok);
	CHECK(r.text.find("no response to 'reginfo'") != std::string::npos);
	CHECK(ms >= 90);
	CHECK(ms < 1000);

	// A late answer is ignored; the connection stays usable.
	REQUIRE(peer.commands.size() == 1);
	peer.respond(peer.commands[0].token, true, "late");
	peer.on_command = [&](const Command &cmd) { peer.respond(cmd.token, true, "prompt"); };
	Result r2;
	client.request("uuid", "", into(r2));
	REQUIRE(run_until([&] { return r2.done; }));
	CHECK(r2.ok);
	CHECK(r2.text == "prompt");
	CHECK(r.calls == 1);
	CHECK(seen.down == 0);
	CHECK(client.connected());
}

TEST_CASE("ctrl_client: a garbled stream makes the client drop and reconnect")
{
	FakeBaresip peer;
	Seen seen;
	CtrlClient client(peer.addr(), seen.handlers(), 2000);
	REQUIRE(client.start().ok());
	REQUIRE(run_until([&] { return seen.up == 1; }));

	Result pending;
	client.request("reginfo", "", into(pending));
	REQUIRE(run_until([&] { return peer.commands.size() == 1; }));
	peer.send_raw("HTTP/1.1 400 Bad Request\r\n\r\n");

	// Both ends see the new connection (in either order).
	REQUIRE(run_until([&] { return seen.up == 2 && peer.accepted == 2; }));
	CHECK(seen.down == 1);
	REQUIRE(seen.down_why.size() == 1);
	CHECK(seen.down_why[0] == "garbled stream");
	CHECK(pending.done);
	CHECK_FALSE(pending.ok);
	CHECK(pending.text.find("connection lost") != std::string::npos);
	CHECK(peer.accepted == 2);
	CHECK(client.reconnects() == 1);
	CHECK(client.connected());

	// The new connection works.
	peer.on_command = [&](const Command &cmd) { peer.respond(cmd.token, true, "fresh"); };
	Result r;
	client.request("reginfo", "", into(r));
	REQUIRE(run_until([&] { return r.done; }));
	CHECK(r.ok);
	CHECK(r.text == "fresh");
}

TEST_CASE("ctrl_client: a frame that is not JSON is skipped, the stream stays up")
{
	FakeBaresip peer;
	peer.on_command = [&](const Command &cmd) {
		peer.send_raw(
		    netstring_encode("this is not json") + netstring_encode(R"({"neither":1})") +
		    netstring_encode(FakeBaresip::response_json(cmd.token, true, "fine")));
	};
	Seen seen;
	CtrlClient client(peer.addr(), seen.handlers(), 2000);
	REQUIRE(client.start().ok());
	REQUIRE(run_until([&] { return seen.up == 1; }));
	Result r;
	client.request("reginfo", "", into(r));
	REQUIRE(run_until([&] { return r.done; }));
	CHECK(r.ok);
	CHECK(r.text == "fine");
	CHECK(seen.down == 0);
	CHECK(peer.accepted == 1);
}

TEST_CASE("ctrl_client: the peer closing calls down and fails pending requests")
{
	FakeBaresip peer;
	Seen seen;
	Result while_down;
	bool connected_in_down = true;
	CtrlClient *client = nullptr;
	CtrlClient::Handlers h = seen.handlers();
	auto count_down = h.down;
	h.down = [&](const std::string &why) {
		count_down(why);
		connected_in_down = client->connected();
		// Requests while disconnected fail at once, from inside the call.
		client->request("reginfo", "", into(while_down));
	};
	CtrlClient watched(peer.addr(), h, 2000);
	client = &watched;
	REQUIRE(watched.start().ok());
	REQUIRE(run_until([&] { return seen.up == 1; }));

	Result p1, p2;
	watched.request("uanew", "<sip:100@127.0.0.1:5070>", into(p1));
	watched.request("uafind", "sip:100@127.0.0.1:5070", into(p2));
	REQUIRE(run_until([&] { return peer.commands.size() == 2; }));
	peer.hang_up();

	REQUIRE(run_until([&] { return seen.down == 1; }));
	CHECK_FALSE(watched.connected());
	CHECK(seen.down_why[0] == "closed by baresip");
	CHECK(p1.done);
	CHECK_FALSE(p1.ok);
	CHECK(p1.text.find("connection lost") != std::string::npos);
	CHECK(p2.done);
	CHECK_FALSE(p2.ok);
	CHECK_FALSE(connected_in_down);
	CHECK(while_down.done);
	CHECK_FALSE(while_down.ok);
	CHECK(while_down.text.find("not connected") != std::string::npos);

	// Straight after the drop (before the reconnect timer) requests fail
	// synchronously too.
	Result after;
	watched.request("reginfo", "", into(after));
	CHECK(after.done);
	CHECK_FALSE(after.ok);

	// baresip comes back (the listener is still there): up again.
	REQUIRE(run_until([&] { return seen.up == 2; }));
	CHECK(watched.connected());
	CHECK(p1.calls == 1);
	CHECK(p2.calls == 1);
}

TEST_CASE("ctrl_client: requests fail immediately when never connected")
{
	Seen seen;
	std::string addr;
	{
		FakeBaresip gone; // take a free port, then close it
		addr = gone.addr();
	}
	CtrlClient idle(addr, seen.handlers(), 2000);
	Result before_start;
	idle.request("reginfo", "", into(before_start));
	CHECK(before_start.done); // synchronously
	CHECK_FALSE(before_start.ok);
	CHECK(before_start.text.find("not connected") != std::string::npos);

	// Nobody listens: the client keeps retrying, never up, never down.
	REQUIRE(idle.start().ok());
	run_for(250);
	CHECK(seen.up == 0);
	CHECK(seen.down == 0);
	CHECK_FALSE(idle.connected());
	CHECK(idle.reconnects() >= 1);
	Result r;
	idle.request("reginfo", "", into(r));
	CHECK(r.done);
	CHECK_FALSE(r.ok);

	CtrlClient bad("not an address", seen.handlers(), 2000);
	auto s = bad.start();
	REQUIRE_FALSE(s.ok());
	CHECK(s.error().what.find("bad address") != std::string::npos);
}
