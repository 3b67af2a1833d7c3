// SPDX-License-Identifier: BSD-3-Clause
// The status endpoint the PBX polls (docs/status-api.yaml), on libre's event
// loop: no threads, every socket watched with fd_listen, every deadline a
// tmr.
//
// - TCP: HTTPS (mbedTLS, TLS 1.2+), optionally mutual TLS. Plain HTTP only
//   on 127.0.0.1 (tests, benchmarks); start() refuses it anywhere else.
// - Every TCP request needs `Authorization: Bearer <token>` (constant-time
//   compare). Failures are counted per source address; too many and the
//   address gets 429 for a while without its token even being looked at.
// - Optional UNIX socket (mode 0600) for hotdeskctl: plain HTTP, no token;
//   the peer must run as our uid or root (SO_PEERCRED).
// - At most max_conns connections (TCP and UNIX together); extra ones are
//   closed at once. Per-connection deadlines: see status_conn.h.
// The token is never logged.
#pragma once

#include "../core/error.h"
#include "auth_limiter.h"
#include "status_conn.h"
#include "status_router.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hotdesk
{

struct StatusServerConfig {
	std::string listen;         // "host:port" ("0.0.0.0:8443", "[::]:8443"); empty: no TCP
	std::string token;          // bearer token; required when `listen` is set
	std::string cert_file;      // PEM; with key_file: HTTPS
	std::string key_file;       // PEM; both empty: plain HTTP (127.0.0.1 only)
	std::string client_ca_file; // PEM; set: a client certificate from this CA is required
	std::string unix_path;      // set: also serve hotdeskctl on this UNIX socket
	bool access_log = false;    // log each request (peer, method, path, status) at info

	size_t max_conns = 32;
	ConnLimits conn;
	AuthLimiter::Params auth;
};

class StatusServer : private StatusConn::Host
{
public:
	StatusServer(StatusServerConfig cfg, StatusHandler &handler);
	~StatusServer() override;
	StatusServer(const StatusServer &) = delete;
	StatusServer &operator=(const StatusServer &) = delete;

	// Loads TLS material, binds and starts accepting. On error nothing is
	// left listening.
	Status start();
	// Closes the listeners and every connection (also done by the
	// destructor). The UNIX socket file is removed.
	void stop();

	uint16_t port() const { return port_; } // the bound TCP port (0: none)
	bool tls() const { return tls_ != nullptr; }
	size_t connections() const { return conns_.size(); }

private:
	struct Listener {
		StatusServer *self = nullptr;
		int fd = -1;
		bool local = false; // the UNIX socket
	};

	Status start_tcp();
	Status start_unix();
	static void accept_h(int flags, void *arg);
	static void reap_h(void *arg);
	static void resume_h(void *arg);
	void on_accept(Listener &l);
	void admit(int fd, const std::string &peer, bool local);
	void pause_accepting();
	HttpReply reply_for(const ParsedRequest &req, const StatusConn &c) override;
	void conn_closed(StatusConn *c) override;
	void access_log(const StatusConn &c, const ParsedRequest &req, int status) const;
	HttpReply authenticate(const ParsedRequest &req, const std::string &peer, bool &ok);

	StatusServerConfig cfg_;
	StatusHandler &handler_;
	std::unique_ptr<TlsServerConfig> tls_;
	Listener tcp_;
	Listener unix_;
	uint16_t port_ = 0;
	bool owns_unix_path_ = false;
	AuthLimiter limiter_;
	StatusRenderCache render_cache_;
	std::unordered_map<StatusConn *, std::unique_ptr<StatusConn>> conns_;
	std::vector<std::unique_ptr<StatusConn>> graveyard_;
	struct tmr reap_tmr_ {
	};
	struct tmr resume_tmr_ {
	};
};

} // namespace hotdesk
