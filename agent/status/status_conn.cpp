// SPDX-License-Identifier: BSD-3-Clause
#include "status_conn.h"

#include "../../platform/net/listen_socket.h"
#include "../../platform/net/stream_io.h"
#include "../core/log.h"

#include <algorithm>
#include <cstring>

namespace hotdesk
{

namespace
{

constexpr size_t kReadChunk = 4096;
constexpr size_t kWriteChunk = 16384;
// Input held while requests wait for replies to drain; above any single
// request the parser accepts (2 + 8 + 4 KiB), so a legal request always fits.
constexpr size_t kMaxBuffered = size_t{16} * 1024;
// After the last reply: discard what the client still sends for this long
// (or this much) before closing. Closing with unread input makes the kernel
// send RST, which can destroy the error reply we just wrote.
constexpr unsigned kLingerMs = 1000;
constexpr size_t kLingerBytes = size_t{64} * 1024;
// Time left for a 408 to leave after a request deadline passed.
constexpr unsigned kLastWordsMs = 1000;
// Event rounds per wake-up before yielding to other connections.
constexpr int kMaxRounds = 8;

} // namespace

StatusConn::StatusConn(Host &host, int fd, std::string peer, bool local, TlsServerConfig *tls,
                       const ConnLimits &limits)
    : host_(host), fd_(fd), peer_(std::move(peer)), local_(local), limits_(limits),
      parser_(limits.http)
{
	tmr_init(&tmr_);
	tmr_init(&kick_);
	if (tls)
		tls_ = std::make_unique<TlsSession>(*tls, fd_);
}

StatusConn::~StatusConn()
{
	tmr_cancel(&tmr_);
	tmr_cancel(&kick_);
	if (!done_) { // server shutdown: no goodbye, just let go
		if (watched_ > 0)
			fd_close(fd_);
		platform::close_fd(fd_);
	}
}

void StatusConn::start()
{
	if (tls_ && !tls_->ok()) {
		log_warn("status: TLS session setup failed: " + tls_->last_error());
		finish("tls setup");
		return;
	}
	if (tls_)
		arm(Phase::Handshake, limits_.handshake_ms);
	else
		arm(Phase::Idle, limits_.idle_ms);
	watch();
}

void StatusConn::fd_h(int, void *arg)
{
	static_cast<StatusConn *>(arg)->on_event();
}
void StatusConn::tmr_h(void *arg)
{
	static_cast<StatusConn *>(arg)->on_timeout();
}
void StatusConn::kick_h(void *arg)
{
	static_cast<StatusConn *>(arg)->on_event();
}

void StatusConn::on_event()
{
	if (done_)
		return;
	want_write_ = false;
	if (phase_ == Phase::Handshake) {
		handshake();
		return;
	}
	if (lingering_) {
		linger();
		return;
	}
	// Typical request: one recv, one send. More rounds only while input
	// may still be waiting (a full read, or reading paused for output).
	int round = 0;
	bool more = true;
	for (; more && round < kMaxRounds; ++round) {
		flush();
		if (done_ || lingering_)
			return;
		process();
		more = can_read() && read_some();
		if (done_)
			return;
		process();
		flush();
		if (done_ || lingering_)
			return;
	}
	if (more)
		tmr_start(&kick_, 0, kick_h, this); // yield to other connections
	after_io();
}

void StatusConn::handshake()
{
	switch (tls_->handshake()) {
	case TlsSession::Io::Done:
		handshaken_ = true;
		arm(Phase::Idle, limits_.idle_ms);
		on_event(); // application data may already sit in mbedTLS
		return;
	case TlsSession::Io::WantRead:
		break;
	case TlsSession::Io::WantWrite:
		want_write_ = true;
		break;
	case TlsSession::Io::Eof:
		finish("closed during TLS handshake");
		return;
	case TlsSession::Io::Failed:
		log_debug("status: TLS handshake with " + peer_ + " failed: " + tls_->last_error());
		finish("TLS handshake failed");
		return;
	}
	watch();
}

void StatusConn::on_timeout()
{
	switch (phase_) {
	case Phase::Request:
		// Slowloris or a stalled client: say so (best effort) and go.
		log_debug("status: request from " + peer_ + " not complete in time");
		queue(error_reply(408), false);
		closing_ = true;
		arm(Phase::Closing, kLastWordsMs);
		on_event();
		return;
	case Phase::Handshake:
		finish("TLS handshake timeout");
		return;
	case Phase::Idle:
		finish("idle");
		return;
	case Phase::Writing:
	case Phase::Closing:
		finish("write timeout");
		return;
	case Phase::Linger:
		finish("linger done");
		return;
	}
}

bool StatusConn::can_read() const
{
	return !done_ && !closing_ && !peer_eof_ && unsent() < limits_.max_write &&
	       parser_.buffered() < kMaxBuffered;
}

// Reads what the socket has. True when more may be waiting: reading stopped
// at our own buffer limits rather than at an empty socket.
bool StatusConn::read_some()
{
	char buf[kReadChunk];
	while (can_read()) {
		size_t n = 0;
		if (tls_) {
			const auto r = tls_->read(buf, sizeof(buf));
			if (r.io == TlsSession::Io::WantRead)
				return false;
			if (r.io == TlsSession::Io::WantWrite) {
				want_write_ = true;
				return false;
			}
			if (r.io == TlsSession::Io::Eof) {
				peer_eof_ = true;
				return false;
			}
			if (r.io == TlsSession::Io::Failed) {
				log_debug("status: TLS read from " + peer_ + ": " +
				          tls_->last_error());
				finish("TLS error");
				return false;
			}
			n = r.n;
		} else {
			const auto r = platform::stream_recv(fd_, buf, sizeof(buf));
			if (r.kind == platform::StreamIo::Eof) {
				peer_eof_ = true;
				return false;
			}
			if (r.kind != platform::StreamIo::Done) {
				if (r.kind == platform::StreamIo::Failed)
					finish("receive error");
				return false;
			}
			n = r.n;
		}
		parser_.feed(std::string_view(buf, n));
		// A short plain read emptied the socket; epoll (level-triggered)
		// reports anything newer. TLS records come one per read, so
		// there we read on until WantRead.
		if (!tls_ && n < sizeof(buf))
			return false;
	}
	return true;
}

void StatusConn::process()
{
	ParsedRequest req;
	bool starved = false;
	while (!closing_ && !done_ && unsent() < limits_.max_write) {
		const auto r = parser_.next(req);
		if (r == HttpRequestParser::Result::NeedMore) {
			starved = true;
			break;
		}
		if (r == HttpRequestParser::Result::Error) {
			log_debug("status: bad request from " + peer_ + ": " +
			          parser_.error().reason);
			queue(error_reply(parser_.error().status), false);
			closing_ = true;
			break;
		}
		++requests_;
		const HttpReply reply = host_.reply_for(req, *this);
		const bool keep = req.keep_alive && !reply.close;
		queue(reply, keep);
		closing_ = !keep;
	}
	// End of input: answer every complete request first, then close.
	if (peer_eof_ && starved)
		closing_ = true;
}

void StatusConn::queue(const HttpReply &r, bool keep_alive)
{
	if (out_off_ == out_.size()) {
		out_.clear();
		out_off_ = 0;
	}
	out_ += serialize_reply(r, keep_alive);
}

bool StatusConn::flush()
{
	bool wrote = false;
	while (unsent() && !done_) {
		const size_t len = std::min(unsent(), kWriteChunk);
		const char *p = out_.data() + out_off_;
		size_t n = 0;
		if (tls_) {
			const auto r = tls_->write(p, len);
			if (r.io == TlsSession::Io::WantWrite || r.io == TlsSession::Io::WantRead) {
				want_write_ = true;
				break;
			}
			if (r.io != TlsSession::Io::Done) {
				finish("TLS write error");
				return wrote;
			}
			n = r.n;
		} else {
			const auto r = platform::stream_send(fd_, p, len);
			if (r.kind == platform::StreamIo::WouldBlock) {
				want_write_ = true;
				break;
			}
			if (r.kind != platform::StreamIo::Done) {
				finish("send error");
				return wrote;
			}
			n = r.n;
		}
		out_off_ += n;
		wrote = true;
	}
	if (!unsent() && closing_ && !done_)
		start_linger();
	return wrote;
}

void StatusConn::start_linger()
{
	if (tls_ && handshaken_)
		tls_->close_notify();
	platform::stream_shutdown_write(fd_);
	lingering_ = true;
	arm(Phase::Linger, kLingerMs);
	watch();
	linger();
}

// Reads and drops whatever the client still sends, until it closes too.
void StatusConn::linger()
{
	char buf[kReadChunk];
	for (;;) {
		const auto r = platform::stream_recv(fd_, buf, sizeof(buf));
		if (r.kind == platform::StreamIo::WouldBlock)
			return;
		if (r.kind != platform::StreamIo::Done) {
			finish("closed");
			return;
		}
		lingered_ += r.n;
		if (lingered_ > kLingerBytes) {
			finish("client keeps sending");
			return;
		}
	}
}

void StatusConn::after_io()
{
	if (closing_ || unsent()) {
		if (phase_ != Phase::Writing && phase_ != Phase::Closing)
			arm(Phase::Writing, limits_.write_ms);
	} else if (parser_.in_request()) {
		// From the first byte of each request, not re-armed per byte.
		if (phase_ != Phase::Request || armed_for_request_ != requests_)
			arm(Phase::Request, limits_.header_ms);
	} else if (phase_ != Phase::Idle || armed_for_request_ != requests_) {
		arm(Phase::Idle, limits_.idle_ms); // from the last reply
	}
	watch();
	// mbedTLS may hold decrypted input the socket will not signal again.
	if (tls_ && can_read() && tls_->has_pending())
		tmr_start(&kick_, 0, kick_h, this);
}

void StatusConn::arm(Phase p, unsigned ms)
{
	phase_ = p;
	armed_for_request_ = requests_;
	tmr_start(&tmr_, ms, tmr_h, this);
}

void StatusConn::watch()
{
	int flags = 0;
	if (phase_ == Phase::Handshake)
		flags = want_write_ ? FD_WRITE : FD_READ;
	else if (lingering_)
		flags = FD_READ;
	else
		flags = (can_read() ? FD_READ : 0) | (unsent() || want_write_ ? FD_WRITE : 0);
	if (flags == watched_)
		return;
	if (flags == 0) {
		fd_close(fd_); // nothing to wait for; the deadline timer decides
	} else if (const int err = fd_listen(fd_, flags, fd_h, this)) {
		log_warn(std::string("status: cannot watch connection: ") + std::strerror(err));
		finish("fd_listen");
		return;
	}
	watched_ = flags;
}

void StatusConn::finish(const char *why)
{
	if (done_)
		return;
	done_ = true;
	tmr_cancel(&tmr_);
	tmr_cancel(&kick_);
	if (watched_ > 0)
		fd_close(fd_);
	if (tls_ && handshaken_ && !lingering_)
		tls_->close_notify();
	platform::close_fd(fd_);
	log_debug(std::string("status: connection from ") + peer_ + " closed (" + why + ")");
	host_.conn_closed(this);
}

} // namespace hotdesk
