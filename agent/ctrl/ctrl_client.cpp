// SPDX-License-Identifier: BSD-3-Clause
#include "ctrl_client.h"

#include "../../platform/net/socket_opts.h"
#include "../core/log.h"
#include "../core/text.h"

#include <cstring>
#include <utility>

namespace hotdesk
{

namespace
{
// baresip on the same phone restarts in well under a second. The first retry
// comes after 100..200 ms, never sooner than the 100 ms of the fixed schedule
// this replaced: sooner only races baresip's own start-up.
constexpr BackoffPolicy kReconnect{200, 3000};
} // namespace

CtrlClient::CtrlClient(std::string addr, Handlers h, unsigned request_timeout_ms)
    : addr_(std::move(addr)), h_(std::move(h)), timeout_ms_(request_timeout_ms),
      backoff_(kReconnect)
{
	tmr_init(&reconnect_tmr_);
}

CtrlClient::~CtrlClient()
{
	tmr_cancel(&reconnect_tmr_);
	for (auto &p : pending_)
		tmr_cancel(&p.second->timer);
	pending_.clear();
	tc_.reset();
}

Status CtrlClient::start()
{
	if (sa_decode(&sa_, addr_.c_str(), addr_.size()))
		return make_error("ctrl_tcp", "bad address '" + addr_ + "' (want host:port)");
	connect();
	return Ok{};
}

void CtrlClient::connect()
{
	decoder_.reset();
	tmr_cancel(&reconnect_tmr_);
	dropping_ = false;
	const int err = tcp_connect(tc_.out(), &sa_, estab_h, recv_h, close_h, this);
	if (err)
		schedule_reconnect(std::string("connect: ") + std::strerror(err));
}

void CtrlClient::schedule_reconnect(const std::string &why)
{
	tc_.reset();
	const bool was_up = connected_;
	connected_ = false;
	fail_all("baresip connection lost (" + why + ")");
	const uint64_t delay = backoff_.next_ms();
	if (was_up) {
		log_warn("ctrl_tcp: connection to baresip lost: " + why);
		if (h_.down)
			h_.down(why);
	} else {
		log_debug("ctrl_tcp: cannot reach baresip (" + why + "), retry in " +
		          std::to_string(delay) + " ms");
	}
	tmr_start(&reconnect_tmr_, delay, reconnect_h, this);
}

// Called from inside re's handlers: the connection is closed from a
// zero-delay timer, not under the feet of the tcp_conn that called us.
void CtrlClient::drop(const std::string &why)
{
	if (dropping_)
		return;
	dropping_ = true;
	drop_reason_ = why;
	tmr_start(&reconnect_tmr_, 0, dropped_h, this);
}

void CtrlClient::dropped_h(void *arg)
{
	auto *self = static_cast<CtrlClient *>(arg);
	self->dropping_ = false;
	self->schedule_reconnect(self->drop_reason_);
}

void CtrlClient::estab_h(void *arg)
{
	auto *self = static_cast<CtrlClient *>(arg);
	self->connected_ = true;
	self->backoff_.reset();
	platform::tcp_quickack(tcp_conn_fd(self->tc_.get()));
	log_info("ctrl_tcp: connected to baresip at " + self->addr_);
	if (self->h_.up)
		self->h_.up();
}

void CtrlClient::recv_h(struct mbuf *mb, void *arg)
{
	static_cast<CtrlClient *>(arg)->on_recv(mb);
}

void CtrlClient::close_h(int err, void *arg)
{
	auto *self = static_cast<CtrlClient *>(arg);
	self->schedule_reconnect(err ? std::strerror(err) : "closed by baresip");
}

void CtrlClient::reconnect_h(void *arg)
{
	auto *self = static_cast<CtrlClient *>(arg);
	++self->reconnects_;
	self->connect();
}

void CtrlClient::on_recv(struct mbuf *mb)
{
	if (dropping_)
		return;
	platform::tcp_quickack(tcp_conn_fd(tc_.get()));
	decoder_.feed(
	    std::string_view(reinterpret_cast<const char *>(mbuf_buf(mb)), mbuf_get_left(mb)));
	// baresip echoes account lines (with auth_pass) in what uanew prints;
	// libre frees its receive buffer without wiping it.
	mbedtls_platform_zeroize(mb->buf, mb->size);
	for (;;) {
		auto next = decoder_.next();
		if (!next) {
			log_error("ctrl_tcp: garbled stream from baresip (" + next.error().str() +
			          "); reconnecting");
			drop("garbled stream");
			return;
		}
		if (!next->complete)
			return;
		// Redacted before libre's decoder sees it: libre would leave
		// copies of an echoed auth_pass in what it frees.
		std::string payload = redact_account_secrets_json(std::move(next->payload));
		wipe_secret(next->payload);
		auto msg = ctrl_decode(payload);
		wipe_secret(payload);
		if (!msg) {
			// One bad frame is skipped: framing is intact, so the
			// stream stays usable.
			log_warn("ctrl_tcp: ignoring frame: " + msg.error().str());
			continue;
		}
		handle(*msg);
		if (dropping_) // a handler may have dropped the connection
			return;
	}
}

void CtrlClient::handle(const CtrlMessage &m)
{
	if (m.kind == CtrlMessage::Event) {
		if (h_.event)
			h_.event(m);
		return;
	}
	if (m.ok)
		finish(m.token, m.data);
	else
		finish(m.token, make_error("baresip", m.data.empty() ? "command failed" : m.data));
}

void CtrlClient::request(const std::string &command, const std::string &params,
                         ResponseHandler done)
{
	if (!connected_ || dropping_) {
		done(make_error("ctrl_tcp", "baresip not connected"));
		return;
	}
	const std::string token = "hd" + std::to_string(next_token_++);
	auto json = ctrl_encode_command(command, params, token);
	if (!json) {
		done(json.error());
		return;
	}
	// The frame of a uanew carries a SIP password: every copy is wiped.
	std::string frame = netstring_encode(*json);
	wipe_secret(*json);
	ReRef<struct mbuf> mb(mbuf_alloc(frame.size()));
	const bool written =
	    mb && !mbuf_write_mem(mb.get(), reinterpret_cast<const uint8_t *>(frame.data()),
	                          frame.size());
	wipe_secret(frame);
	if (!written) {
		done(make_error("ctrl_tcp", "out of memory"));
		return;
	}
	mb.get()->pos = 0;
	auto p = std::make_unique<Pending>();
	p->command = command;
	p->done = std::move(done);
	p->self = this;
	p->token = token;
	tmr_init(&p->timer);
	tmr_start(&p->timer, timeout_ms_, timeout_h, p.get());
	pending_[token] = std::move(p);
	log_debug("ctrl_tcp: > " + command + " [" + token + "]");
	const int err = tcp_send(tc_.get(), mb.get()); // copies what it cannot send now
	mbedtls_platform_zeroize(mb.get()->buf, mb.get()->size);
	if (err)
		drop(std::string("send: ") + std::strerror(err));
}

void CtrlClient::timeout_h(void *arg)
{
	auto *p = static_cast<Pending *>(arg);
	p->self->finish(p->token, make_error("ctrl_tcp", "no response to '" + p->command +
	                                                     "' from baresip in time"));
}

void CtrlClient::finish(const std::string &token, Expected<std::string> result)
{
	auto it = pending_.find(token);
	if (it == pending_.end()) {
		log_debug("ctrl_tcp: response for unknown token '" + token + "' ignored");
		return;
	}
	auto p = std::move(it->second);
	pending_.erase(it);
	tmr_cancel(&p->timer);
	p->done(std::move(result));
}

void CtrlClient::fail_all(const std::string &why)
{
	auto pending = std::move(pending_);
	pending_.clear();
	for (auto &kv : pending) {
		tmr_cancel(&kv.second->timer);
		kv.second->done(make_error("ctrl_tcp", why));
	}
}

} // namespace hotdesk
