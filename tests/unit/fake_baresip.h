// SPDX-License-Identifier: BSD-3-Clause
// A FAKE baresip ctrl_tcp peer for unit tests: listens on 127.0.0.1 on an
// ephemeral port, speaks ctrl_tcp's framing (netstring + JSON, baresip
// v1.0.0 modules/ctrl_tcp), records every command and answers what the
// test tells it to. Runs on re's event loop in the test's thread.
#pragma once

#include <doctest/doctest.h>

#include "agent/core/netstring.h"
#include "platform/re/re_cxx.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hotdesk::test
{

// What the client sent: one command.
struct Command {
	std::string command, params, token;
	bool all_strings = false;
};

class FakeBaresip;

struct PeerConn {
	FakeBaresip *peer = nullptr;
	ReRef<struct tcp_conn> tc;
	NetstringDecoder decoder;
	bool closed = false;
};

// Listens on 127.0.0.1:<ephemeral>, speaks ctrl_tcp's framing.
class FakeBaresip
{
public:
	std::vector<Command> commands;
	bool garbled_input = false;
	int accepted = 0;
	int closed_by_client = 0;
	// Called for every command; the default never answers.
	std::function<void(const Command &)> on_command;
	// Called when a connection is established.
	std::function<void()> on_connect;

	FakeBaresip()
	{
		struct sa local;
		REQUIRE(sa_set_str(&local, "127.0.0.1", 0) == 0);
		REQUIRE(tcp_listen(ts_.out(), &local, conn_h, this) == 0);
		REQUIRE(tcp_sock_local_get(ts_.get(), &local) == 0);
		port_ = sa_port(&local);
	}
	~FakeBaresip()
	{
		conns_.clear();
		ts_.reset();
	}

	std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

	void send_raw(const std::string &bytes)
	{
		REQUIRE(current());
		ReRef<struct mbuf> mb(mbuf_alloc(bytes.size() + 1));
		REQUIRE(mb);
		REQUIRE(mbuf_write_mem(mb.get(), reinterpret_cast<const uint8_t *>(bytes.data()),
		                       bytes.size()) == 0);
		mb.get()->pos = 0;
		REQUIRE(tcp_send(current()->tc.get(), mb.get()) == 0);
	}
	static std::string response_json(const std::string &token, bool ok, const std::string &data)
	{
		return std::string(R"({"response":true,"ok":)") + (ok ? "true" : "false") +
		       R"(,"data":")" + data + R"(","token":")" + token + R"("})";
	}
	static std::string event_json(const std::string &type, const std::string &aor)
	{
		return R"({"event":true,"type":")" + type +
		       R"(","class":"register","accountaor":")" + aor + R"(","param":"200 OK"})";
	}
	void respond(const std::string &token, bool ok, const std::string &data)
	{
		send_raw(netstring_encode(response_json(token, ok, data)));
	}
	void event(const std::string &type, const std::string &aor)
	{
		send_raw(netstring_encode(event_json(type, aor)));
	}
	// Close the current connection from baresip's side.
	void hang_up()
	{
		REQUIRE(current());
		current()->tc.reset();
		current()->closed = true;
	}
	PeerConn *current()
	{
		return conns_.empty() || conns_.back()->closed ? nullptr : conns_.back().get();
	}

private:
	static void conn_h(const struct sa *, void *arg)
	{
		auto *self = static_cast<FakeBaresip *>(arg);
		auto c = std::make_unique<PeerConn>();
		c->peer = self;
		if (tcp_accept(c->tc.out(), self->ts_.get(), estab_h, recv_h, close_h, c.get()) !=
		    0)
			return;
		self->conns_.push_back(std::move(c));
	}
	static void estab_h(void *arg)
	{
		auto *c = static_cast<PeerConn *>(arg);
		++c->peer->accepted;
		if (c->peer->on_connect)
			c->peer->on_connect();
	}
	static void close_h(int, void *arg)
	{
		auto *c = static_cast<PeerConn *>(arg);
		c->closed = true;
		++c->peer->closed_by_client;
	}
	static void recv_h(struct mbuf *mb, void *arg)
	{
		auto *c = static_cast<PeerConn *>(arg);
		c->decoder.feed(std::string_view(reinterpret_cast<const char *>(mbuf_buf(mb)),
		                                 mbuf_get_left(mb)));
		for (;;) {
			auto n = c->decoder.next();
			if (!n) {
				c->peer->garbled_input = true;
				return;
			}
			if (!n->complete)
				return;
			c->peer->on_frame(n->payload);
		}
	}
	void on_frame(const std::string &json)
	{
		Command cmd;
		ReRef<struct odict> o;
		if (json_decode_odict(o.out(), 8, json.data(), json.size(), 4)) {
			garbled_input = true;
			return;
		}
		cmd.all_strings = odict_count(o.get(), false) == 3;
		for (const char *k : {"command", "params", "token"}) {
			const struct odict_entry *e = odict_lookup(o.get(), k);
			cmd.all_strings = cmd.all_strings && e && e->type == ODICT_STRING;
		}
		cmd.command = odict_str(o.get(), "command");
		cmd.params = odict_str(o.get(), "params");
		cmd.token = odict_str(o.get(), "token");
		commands.push_back(cmd);
		if (on_command)
			on_command(commands.back());
	}

	ReRef<struct tcp_sock> ts_;
	uint16_t port_ = 0;
	std::vector<std::unique_ptr<PeerConn>> conns_;
};

} // namespace hotdesk::test
