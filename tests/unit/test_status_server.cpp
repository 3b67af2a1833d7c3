// SPDX-License-Identifier: BSD-3-Clause
// The real status server on 127.0.0.1 and the real libre loop; clients run
// on a thread (see status_support.h). Deadlines are shortened so that the
// slow-client cases take a fraction of a second.
#include <doctest/doctest.h>

#include "agent/status/status_server.h"
#include "status_support.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

using namespace hotdesk;
using namespace hotdesk::test;

namespace
{

const std::string kToken = "s3cret-token";

StatusServerConfig quick_config()
{
	StatusServerConfig c;
	c.listen = "127.0.0.1:0";
	c.token = kToken;
	c.max_conns = 4;
	c.conn.handshake_ms = 300;
	c.conn.header_ms = 300;
	c.conn.idle_ms = 400;
	c.conn.write_ms = 1000;
	return c;
}

struct Fixture {
	FakeHandler handler;
	std::unique_ptr<StatusServer> server;

	explicit Fixture(const StatusServerConfig &c = quick_config())
	{
		server = std::make_unique<StatusServer>(c, handler);
		const Status st = server->start();
		REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().str()));
	}
	~Fixture() { server->stop(); }
	uint16_t port() const { return server->port(); }
};

// One request on a fresh connection.
Reply ask(uint16_t port, const std::string &req)
{
	auto c = connect_tcp(port);
	c->send(req);
	return c->read_reply();
}

} // namespace

TEST_CASE("status server: refuses plain HTTP off 127.0.0.1, and without a token")
{
	FakeHandler h;
	StatusServerConfig c = quick_config();
	c.listen = "0.0.0.0:0";
	Status st = StatusServer(c, h).start();
	REQUIRE_FALSE(st.ok());
	CHECK(st.error().what.find("127.0.0.1") != std::string::npos);
	c = quick_config();
	c.token.clear();
	CHECK_FALSE(StatusServer(c, h).start().ok());
	c = quick_config();
	c.cert_file = "/nonexistent.crt";
	c.key_file = "/nonexistent.key";
	CHECK_FALSE(StatusServer(c, h).start().ok());
}

TEST_CASE("status server: authenticated GET /status, JSON and XML")
{
	Fixture f;
	Reply json, xml;
	REQUIRE(serve_while([&] {
		auto c = connect_tcp(f.port());
		c->send(get_request("/status", kToken));
		json = c->read_reply();
		c->send(get_request("/status", kToken, "Accept: application/xml\r\n"));
		xml = c->read_reply(); // same keep-alive connection
	}));
	CHECK(json.status == 200);
	CHECK(json.headers["content-type"] == "application/json");
	CHECK(json.headers["cache-control"] == "no-store");
	auto s = parse_status_json(json.body);
	REQUIRE(s.ok());
	CHECK(s->user_name == f.handler.snap.user_name);
	CHECK(xml.status == 200);
	CHECK(xml.headers["content-type"].rfind("application/xml", 0) == 0);
	CHECK(xml.body.rfind("<?xml", 0) == 0);
}

TEST_CASE("status server: 401 without detail, then 429 after repeated failures")
{
	Fixture f;
	Reply none, wrong, after;
	std::vector<int> statuses;
	REQUIRE(serve_while([&] {
		none = ask(f.port(), get_request("/status", ""));
		wrong = ask(f.port(), get_request("/status", "guess"));
		for (int i = 0; i < 4; ++i)
			statuses.push_back(ask(f.port(), get_request("/status", "guess")).status);
		after = ask(f.port(), get_request("/status", kToken)); // right token, too late
	}));
	CHECK(none.status == 401);
	CHECK(none.headers["www-authenticate"] == "Bearer");
	CHECK(none.body.find("status") == std::string::npos); // no data leaked
	CHECK(wrong.status == 401);
	CHECK(statuses == std::vector<int>{401, 401, 401, 429});
	CHECK(after.status == 429);
	CHECK(after.headers["retry-after"] == "30");
	CHECK(f.handler.logouts == 0);
}

TEST_CASE("status server: routes, methods, logout and resync")
{
	Fixture f;
	Reply logout, resync, wrong_method, unknown_path, unknown_method, chunked;
	REQUIRE(serve_while([&] {
		logout = ask(f.port(), post_request("/logout", kToken));
		resync = ask(f.port(), post_request("/resync", kToken));
		wrong_method = ask(f.port(), get_request("/logout", kToken));
		unknown_path = ask(f.port(), get_request("/admin", kToken));
		unknown_method =
		    ask(f.port(), "BREW /status HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer " +
		                      kToken + "\r\n\r\n");
		chunked = ask(f.port(), "POST /logout HTTP/1.1\r\nHost: p\r\n"
		                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
	}));
	CHECK(logout.status == 202);
	CHECK(f.handler.logouts == 1);
	CHECK(resync.status == 202);
	CHECK(f.handler.resyncs == 1);
	CHECK(wrong_method.status == 405);
	CHECK(wrong_method.headers["allow"] == "POST");
	CHECK(unknown_path.status == 404);
	CHECK(unknown_method.status == 405);
	CHECK(chunked.status == 501);
	CHECK(chunked.headers["connection"] == "close");
}

TEST_CASE("status server: pipelined requests answered in order")
{
	Fixture f;
	std::vector<int> statuses;
	long closed = -2;
	REQUIRE(serve_while([&] {
		auto c = connect_tcp(f.port());
		c->send(get_request("/status", kToken) + post_request("/resync", kToken) +
		        get_request("/nope", kToken) +
		        get_request("/status", kToken, "Connection: close\r\n"));
		for (int i = 0; i < 4; ++i)
			statuses.push_back(c->read_reply().status);
		closed = c->closed_within(1000);
	}));
	CHECK(statuses == std::vector<int>{200, 202, 404, 200});
	CHECK(closed >= 0);
}

TEST_CASE("status server: oversized request line and headers get 414/431 and a close")
{
	Fixture f;
	Reply uri, hdr, many;
	long uri_closed = -2, hdr_closed = -2;
	REQUIRE(serve_while([&] {
		auto c = connect_tcp(f.port());
		c->send("GET /" + std::string(3000, 'a') + " HTTP/1.1\r\nHost: p\r\n\r\n");
		uri = c->read_reply();
		uri_closed = c->closed_within(1000);
		auto d = connect_tcp(f.port());
		d->send("GET /status HTTP/1.1\r\nHost: p\r\nX-Big: " + std::string(9000, 'b') +
		        "\r\n\r\n");
		hdr = d->read_reply();
		hdr_closed = d->closed_within(1000);
		std::string lots = "GET /status HTTP/1.1\r\nHost: p\r\n";
		for (int i = 0; i < 40; ++i)
			lots += "X-" + std::to_string(i) + ": v\r\n";
		many = ask(f.port(), lots + "\r\n");
	}));
	CHECK(uri.status == 414);
	CHECK(uri_closed >= 0);
	CHECK(hdr.status == 431);
	CHECK(hdr_closed >= 0);
	CHECK(many.status == 431);
}

TEST_CASE("status server: slowloris is cut off from the first byte, not per byte")
{
	Fixture f; // header_ms = 300
	long closed = -1;
	int sent = 0;
	REQUIRE(serve_while([&] {
		auto c = connect_tcp(f.port());
		c->send("GET /status HTTP/1.1\r\nHost: p\r\n");
		using namespace std::chrono;
		const auto start = steady_clock::now();
		// One header byte every 50 ms: the deadline must not move.
		while (steady_clock::now() - start < milliseconds(3000)) {
			if (!c->send("X") || c->closed_within(50) >= 0)
				break;
			++sent;
		}
		closed = duration_cast<milliseconds>(steady_clock::now() - start).count();
	}));
	CHECK(closed >= 250);
	CHECK(closed < 1000);
	CHECK(sent < 15);
}

TEST_CASE("status server: idle keep-alive connections are closed")
{
	Fixture f; // idle_ms = 400
	long closed = -2;
	int status = 0;
	REQUIRE(serve_while([&] {
		auto c = connect_tcp(f.port());
		c->send(get_request("/status", kToken));
		status = c->read_reply().status;
		closed = c->closed_within(2000);
	}));
	CHECK(status == 200);
	CHECK(closed >= 300);
	CHECK(closed < 1500);
}

TEST_CASE("status server: the idle deadline restarts after every reply")
{
	Fixture f; // idle_ms = 400
	std::vector<int> statuses;
	REQUIRE(serve_while([&] {
		auto c = connect_tcp(f.port());
		for (int i = 0; i < 8; ++i) { // 8 x 150 ms: well past one idle period
			c->send(get_request("/status", kToken));
			statuses.push_back(c->read_reply().status);
			std::this_thread::sleep_for(std::chrono::milliseconds(150));
		}
	}));
	CHECK(statuses == std::vector<int>(8, 200));
}

TEST_CASE("status server: connections beyond the limit are closed at once")
{
	Fixture f; // max_conns = 4
	long extra_closed = -2;
	int status = 0;
	REQUIRE(serve_while([&] {
		std::vector<std::unique_ptr<Client>> held;
		for (int i = 0; i < 4; ++i) {
			held.push_back(connect_tcp(f.port()));
			held.back()->send("G"); // make sure each is accepted
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		auto extra = connect_tcp(f.port());
		extra_closed = extra->closed_within(250);
		held.clear();
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		status = ask(f.port(), get_request("/status", kToken)).status; // room again
	}));
	CHECK(extra_closed >= 0);
	CHECK(extra_closed < 250);
	CHECK(status == 200);
	CHECK(f.server->connections() <= 1);
}

TEST_CASE("status server: a pipelining client that never reads is dropped")
{
	StatusServerConfig c = quick_config();
	c.conn.max_write = 4096;
	c.conn.write_ms = 300;
	c.conn.idle_ms = 10000; // only the write deadline may close it
	Fixture f(c);
	std::unique_ptr<Client> cl;
	size_t sent = 0;
	REQUIRE(serve_while([&] {
		cl = connect_tcp(f.port(), 4096);
		std::string burst;
		for (int i = 0; i < 20000; ++i)
			burst += get_request("/status", kToken);
		sent = cl->send_nowait(burst);
		// The server answers until max_write is queued and the socket is
		// full, stops reading, and gives up after write_ms.
		std::this_thread::sleep_for(std::chrono::milliseconds(900));
	}));
	CHECK(sent > 100000);
	CHECK(f.server->connections() == 0);
	cl.reset();
}

TEST_CASE("status server: HTTPS, and a TLS client that never finishes the handshake" *
          doctest::skip(!openssl_cli_available() || running_emulated()))
{
	const Pki &pki = test_pki();
	StatusServerConfig c = quick_config();
	c.cert_file = pki.server_cert;
	c.key_file = pki.server_key;
	Fixture f(c);
	CHECK(f.server->tls());
	Reply ok, plain_over_tls;
	long stalled_closed = -2, partial_closed = -2;
	REQUIRE(serve_while([&] {
		auto t = connect_tls(f.port(), {pki.ca, "", ""});
		t->send(get_request("/status", kToken));
		ok = t->read_reply();
		auto silent = connect_tcp(f.port()); // connects, says nothing
		stalled_closed = silent->closed_within(2000);
		auto partial = connect_tcp(f.port()); // half a ClientHello
		partial->send(std::string("\x16\x03\x01\x00\xc8\x01\x00\x00", 8));
		partial_closed = partial->closed_within(2000);
		auto wrong = connect_tcp(f.port()); // plain HTTP to the TLS port
		wrong->send(get_request("/status", kToken));
		plain_over_tls = wrong->read_reply();
	}));
	CHECK(ok.status == 200);
	CHECK(stalled_closed >= 0);
	CHECK(stalled_closed < 1000);
	CHECK(partial_closed >= 0);
	CHECK(partial_closed < 1000);
	CHECK(plain_over_tls.status == 0);
}

TEST_CASE("status server: mutual TLS requires a client certificate from the CA" *
          doctest::skip(!openssl_cli_available() || running_emulated()))
{
	const Pki &pki = test_pki();
	StatusServerConfig c = quick_config();
	c.cert_file = pki.server_cert;
	c.key_file = pki.server_key;
	c.client_ca_file = pki.ca;
	Fixture f(c);
	bool without = true, rogue = true;
	Reply with;
	REQUIRE(serve_while([&] {
		without = connect_tls(f.port(), {pki.ca, "", ""})->connected();
		rogue = connect_tls(f.port(), {pki.ca, pki.rogue_cert, pki.rogue_key})->connected();
		auto t = connect_tls(f.port(), {pki.ca, pki.client_cert, pki.client_key});
		t->send(get_request("/status", kToken));
		with = t->read_reply();
	}));
	CHECK_FALSE(without);
	CHECK_FALSE(rogue);
	CHECK(with.status == 200);
}

TEST_CASE("status server: UNIX socket, mode 0600, no token, stale socket replaced")
{
	const std::string dir = temp_dir();
	const std::string path = dir + "/status.sock";
	{ // a stale socket file from a daemon that died
		const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un un {
		};
		un.sun_family = AF_UNIX;
		std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
		REQUIRE(::bind(fd, reinterpret_cast<struct sockaddr *>(&un), sizeof(un)) == 0);
		::close(fd);
	}
	StatusServerConfig c = quick_config();
	c.listen.clear();
	c.unix_path = path;
	Reply status, logout;
	{
		Fixture f(c);
		struct stat st {
		};
		REQUIRE(::stat(path.c_str(), &st) == 0);
		CHECK((st.st_mode & 0777) == 0600);
		// A second server must not steal a live socket.
		FakeHandler h2;
		CHECK_FALSE(StatusServer(c, h2).start().ok());
		REQUIRE(serve_while([&] {
			auto u = connect_unix(path);
			u->send(get_request("/status", ""));
			status = u->read_reply();
			u->send(post_request("/logout", ""));
			logout = u->read_reply();
		}));
		CHECK(f.handler.logouts == 1);
	}
	CHECK(status.status == 200);
	CHECK(logout.status == 202);
	struct stat st {
	};
	CHECK(::stat(path.c_str(), &st) != 0); // removed on stop
	std::ofstream(path) << "not a socket";
	FakeHandler h3;
	CHECK_FALSE(StatusServer(c, h3).start().ok()); // never deletes other files
	remove_tree(dir);
}

TEST_CASE("status server: UNIX socket clients of another user are refused")
{
	if (::geteuid() != 0)
		return; // needs root to become someone else
	const std::string dir = temp_dir();
	const std::string path = dir + "/status.sock";
	StatusServerConfig c = quick_config();
	c.listen.clear();
	c.unix_path = path;
	Fixture f(c);
	// Let anyone reach the socket: SO_PEERCRED is the check under test.
	REQUIRE(::chmod(dir.c_str(), 0755) == 0);
	REQUIRE(::chmod(path.c_str(), 0666) == 0);
	int child_status = -1;
	REQUIRE(serve_while([&] {
		const pid_t pid = ::fork();
		if (pid == 0) { // as nobody: connect, ask, expect no answer
			if (::setgid(65534) != 0 || ::setuid(65534) != 0)
				::_exit(3);
			auto u = connect_unix(path);
			if (!u->connected())
				::_exit(4);
			u->send(get_request("/status", ""));
			::_exit(u->read_reply().status == 0 ? 0 : 1);
		}
		::waitpid(pid, &child_status, 0);
	}));
	CHECK(WIFEXITED(child_status));
	CHECK(WEXITSTATUS(child_status) == 0);
	CHECK(f.handler.logouts == 0);
	f.server->stop();
	remove_tree(dir);
}
