// SPDX-License-Identifier: BSD-3-Clause
// One client connection of the status server, on libre's event loop.
//
// Reads (through TLS when configured), parses pipelined requests, asks the
// host for each reply and writes the replies in order. Every phase has a
// deadline, so a client can hold a connection only for a bounded time:
//   TLS handshake       handshake_ms from accept
//   request             header_ms from its first byte (slowloris)
//   idle keep-alive     idle_ms after the last reply was written
//   writing / closing   write_ms for the pending replies to drain
// Replies waiting to be written are capped (max_write): past the cap the
// connection stops reading and parsing until the client catches up.
#pragma once

#include "../../platform/re/re_cxx.h"
#include "http_parser.h"
#include "status_router.h"
#include "status_tls.h"

#include <cstdint>
#include <memory>
#include <string>

namespace hotdesk
{

struct ConnLimits {
	unsigned handshake_ms = 5000;
	unsigned header_ms = 5000;
	unsigned idle_ms = 15000;
	unsigned write_ms = 15000;
	size_t max_write = size_t{64} * 1024;
	HttpParseLimits http;
};

class StatusConn
{
public:
	class Host
	{
	public:
		// The reply for one complete request (authentication, routing).
		virtual HttpReply reply_for(const ParsedRequest &req, const StatusConn &c) = 0;
		// The connection is finished; the host frees it later (never
		// from inside this call: we are still on its stack).
		virtual void conn_closed(StatusConn *c) = 0;

	protected:
		virtual ~Host() = default;
	};

	// `tls` may be null (plain HTTP). Takes ownership of `fd`.
	StatusConn(Host &host, int fd, std::string peer, bool local, TlsServerConfig *tls,
	           const ConnLimits &limits);
	~StatusConn();
	StatusConn(const StatusConn &) = delete;
	StatusConn &operator=(const StatusConn &) = delete;

	void start();
	const std::string &peer() const { return peer_; }
	// Came in over the UNIX socket (peer credentials already checked).
	bool local() const { return local_; }

private:
	enum class Phase { Handshake, Idle, Request, Writing, Closing, Linger };

	static void fd_h(int flags, void *arg);
	static void tmr_h(void *arg);
	static void kick_h(void *arg);
	void on_event();
	void on_timeout();
	void handshake();
	bool read_some();
	void process();
	bool flush();
	void queue(const HttpReply &r, bool keep_alive);
	void start_linger();
	void linger();
	void after_io();
	void arm(Phase p, unsigned ms);
	void watch();
	bool can_read() const;
	size_t unsent() const { return out_.size() - out_off_; }
	void finish(const char *why);

	Host &host_;
	int fd_;
	std::string peer_;
	bool local_;
	const ConnLimits limits_;
	std::unique_ptr<TlsSession> tls_;
	HttpRequestParser parser_;
	std::string out_;
	size_t out_off_ = 0;
	Phase phase_ = Phase::Idle;
	uint64_t armed_for_request_ = 0; // requests_ when the deadline was set
	uint64_t requests_ = 0;
	int watched_ = -1;     // fd flags last given to libre
	bool closing_ = false; // no more requests: flush, then close
	bool peer_eof_ = false;
	bool done_ = false;
	bool handshaken_ = false;
	bool lingering_ = false; // replies sent, write side shut: draining input
	size_t lingered_ = 0;
	bool want_write_ = false; // the last write or TLS step hit a full socket
	struct tmr tmr_ {
	};
	struct tmr kick_ {
	};
};

} // namespace hotdesk
