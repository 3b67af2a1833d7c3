// SPDX-License-Identifier: BSD-3-Clause
// Helpers for the status server tests: the real libre loop under a
// watchdog, blocking HTTP clients (plain, TLS, UNIX) that run on a thread
// while the loop serves them, and a throwaway PKI made with openssl.
#pragma once

#include "agent/status/status_router.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hotdesk::test
{

// Runs re_main until `done()` is true (checked every 2 ms) or `timeout_ms`
// passes (the watchdog re_cancel()s). Returns false on timeout.
bool run_loop_until(const std::function<bool()> &done, unsigned timeout_ms);

// Runs `client` on a thread while the loop serves it; joins it before
// returning. False if the loop's watchdog fired first.
bool serve_while(const std::function<void()> &client, unsigned timeout_ms = 10000);

struct Reply {
	int status = 0;                             // 0: no (complete) response
	std::map<std::string, std::string> headers; // lower-case names
	std::string body;
};

// A blocking client connection; every wait is bounded (SO_RCVTIMEO).
class Client
{
public:
	virtual ~Client();
	bool send(const std::string &bytes);
	// As much of `bytes` as the socket takes without waiting.
	size_t send_nowait(const std::string &bytes);
	// The next response on this connection (pipelined ones in order).
	Reply read_reply();
	// Waits for the server to close; milliseconds it took, or -1 if the
	// connection was still open after `max_ms`.
	long closed_within(unsigned max_ms);
	bool connected() const { return fd_ >= 0; }
	// Gives up the socket (to wrap it in TLS).
	int release_fd()
	{
		const int fd = fd_;
		fd_ = -1;
		return fd;
	}

protected:
	virtual long raw_send(const char *p, size_t n);
	virtual long raw_recv(char *p, size_t n); // 0 EOF, <0 error/timeout
	void set_recv_timeout(unsigned ms);
	int fd_ = -1;
	std::string in_;
};

// `rcvbuf` > 0: a small receive buffer, set before connecting.
std::unique_ptr<Client> connect_tcp(uint16_t port, int rcvbuf = 0);
std::unique_ptr<Client> connect_unix(const std::string &path);

struct TlsClientOptions {
	std::string ca_file;   // verify the server against this
	std::string cert_file; // client certificate (mutual TLS), optional
	std::string key_file;
};
// Connects and completes the handshake; connected() false when it failed.
std::unique_ptr<Client> connect_tls(uint16_t port, const TlsClientOptions &o);

// "GET /status" with the usual headers; `extra` is raw header lines.
std::string get_request(const std::string &path, const std::string &token,
                        const std::string &extra = "");
std::string post_request(const std::string &path, const std::string &token);

struct Pki {
	std::string dir, ca, server_cert, server_key, client_cert, client_key;
	std::string rogue_cert, rogue_key; // a client cert from another CA
};
// Creates a CA, a server cert for IP 127.0.0.1 and client certs in a fresh
// temporary directory (openssl CLI). Throws std::runtime_error on failure.
const Pki &test_pki();
// Whether an `openssl` program is on PATH (test_pki needs it). The emulated
// phone has none: there the TLS cases are skipped (Unity: IGNORE), as they
// were before they joined unit_tests.
bool openssl_cli_available();
// Set (HOTDESK_EMULATED) where the tests run under qemu-user or on the
// QEMU-emulated phone: there a TLS handshake takes longer than the
// deadlines the TLS cases check (they are sized for a real CPU), so those
// cases run on every host build and are IGNOREd under emulation.
bool running_emulated();

std::string temp_dir();
void remove_tree(const std::string &dir);

class FakeHandler : public StatusHandler
{
public:
	StatusSnapshot snap;
	int logouts = 0, resyncs = 0;
	std::vector<std::string> logout_exts; // whom each POST /logout named
	bool refuse = false;

	FakeHandler();
	StatusSnapshot snapshot() override { return snap; }
	Status logout(const std::string &ext) override;
	Status resync() override;
};

} // namespace hotdesk::test
