// SPDX-License-Identifier: BSD-3-Clause
#include "status_server.h"

#include "../../platform/net/listen_socket.h"
#include "../../platform/net/peer_cred.h"
#include "../core/log.h"

#include <cstring>

namespace hotdesk
{

namespace
{

constexpr int kBacklog = 64;
constexpr int kMaxAcceptsPerWake = 64;
// Out of file descriptors: stop accepting for a moment instead of spinning
// on a listener that stays readable.
constexpr unsigned kAcceptPauseMs = 200;

bool is_127_0_0_1(const struct sa &a)
{
	return sa_af(&a) == AF_INET && sa_in(&a) == 0x7f000001;
}

} // namespace

StatusServer::StatusServer(StatusServerConfig cfg, StatusHandler &handler)
    : cfg_(std::move(cfg)), handler_(handler), limiter_(cfg_.auth)
{
	tcp_.self = unix_.self = this;
	unix_.local = true;
	tmr_init(&reap_tmr_);
	tmr_init(&resume_tmr_);
}

StatusServer::~StatusServer()
{
	stop();
}

Status StatusServer::start()
{
	if (cfg_.listen.empty() && cfg_.unix_path.empty())
		return make_error("status",
		                  "neither a listen address nor a UNIX socket configured");
	Status st = cfg_.listen.empty() ? Status(Ok{}) : start_tcp();
	if (st && !cfg_.unix_path.empty())
		st = start_unix();
	if (!st)
		stop();
	return st;
}

Status StatusServer::start_tcp()
{
	struct sa addr;
	if (sa_decode(&addr, cfg_.listen.c_str(), cfg_.listen.size()))
		return make_error("status:listen",
		                  "bad address '" + cfg_.listen + "' (want host:port)");
	if (cfg_.token.empty())
		return make_error("status:token",
		                  "a bearer token is required for the TCP endpoint");
	const bool want_tls = !cfg_.cert_file.empty() || !cfg_.key_file.empty();
	if (!want_tls && !is_127_0_0_1(addr))
		return make_error("status:listen", "plain HTTP is only allowed on 127.0.0.1; "
		                                   "configure a certificate and key for " +
		                                       cfg_.listen);
	if (!want_tls && !cfg_.client_ca_file.empty())
		return make_error("status:tls", "a client CA needs a server certificate and key");
	if (want_tls) {
		if (cfg_.cert_file.empty() || cfg_.key_file.empty())
			return make_error("status:tls", "both a certificate and a key are needed");
		auto tls =
		    TlsServerConfig::load(cfg_.cert_file, cfg_.key_file, cfg_.client_ca_file);
		if (!tls)
			return tls.error();
		tls_ = std::move(*tls);
	}
	auto fd = platform::listen_tcp(addr, kBacklog);
	if (!fd)
		return make_error("status:listen", cfg_.listen + ": " + fd.error().what);
	tcp_.fd = *fd;
	port_ = platform::local_port(tcp_.fd);
	if (const int err = fd_listen(tcp_.fd, FD_READ, accept_h, &tcp_))
		return make_error("status:listen", std::string("fd_listen: ") + std::strerror(err));
	log_info(std::string("status: serving ") + (tls_ ? "https" : "http") + " on " +
	         cfg_.listen +
	         (cfg_.client_ca_file.empty() ? "" : " (client certificates required)"));
	return Ok{};
}

Status StatusServer::start_unix()
{
	auto fd = platform::listen_unix(cfg_.unix_path, kBacklog);
	if (!fd)
		return fd.error();
	unix_.fd = *fd;
	owns_unix_path_ = true;
	if (const int err = fd_listen(unix_.fd, FD_READ, accept_h, &unix_))
		return make_error("status:unix", std::string("fd_listen: ") + std::strerror(err));
	log_info("status: serving hotdeskctl on " + cfg_.unix_path);
	return Ok{};
}

void StatusServer::stop()
{
	tmr_cancel(&resume_tmr_);
	tmr_cancel(&reap_tmr_);
	for (Listener *l : {&tcp_, &unix_}) {
		if (l->fd < 0)
			continue;
		fd_close(l->fd);
		platform::close_fd(l->fd);
		l->fd = -1;
	}
	if (owns_unix_path_) { // never another daemon's socket
		platform::remove_unix_socket(cfg_.unix_path);
		owns_unix_path_ = false;
	}
	conns_.clear();
	graveyard_.clear();
	tls_.reset(); // after the connections: their sessions point into it
	port_ = 0;
}

void StatusServer::accept_h(int, void *arg)
{
	auto *l = static_cast<Listener *>(arg);
	l->self->on_accept(*l);
}

void StatusServer::on_accept(Listener &l)
{
	for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
		platform::Accepted a = platform::accept_one(l.fd);
		if (a.fd < 0) {
			if (a.retry)
				pause_accepting();
			return;
		}
		admit(a.fd, a.peer, l.local);
	}
}

void StatusServer::admit(int fd, const std::string &peer, bool local)
{
	if (conns_.size() >= cfg_.max_conns) {
		log_debug("status: connection limit reached, closing one from " + peer);
		platform::close_fd(fd);
		return;
	}
	if (local && !platform::peer_trusted(fd)) {
		const auto uid = platform::peer_uid(fd);
		log_warn("status: refused UNIX socket client with uid " +
		         (uid ? std::to_string(*uid) : std::string("unknown")));
		platform::close_fd(fd);
		return;
	}
	auto c = std::make_unique<StatusConn>(static_cast<StatusConn::Host &>(*this), fd, peer,
	                                      local, local ? nullptr : tls_.get(), cfg_.conn);
	StatusConn *raw = c.get();
	conns_[raw] = std::move(c);
	raw->start();
}

void StatusServer::pause_accepting()
{
	log_warn("status: out of file descriptors; pausing accept");
	for (Listener *l : {&tcp_, &unix_})
		if (l->fd >= 0)
			fd_close(l->fd);
	tmr_start(&resume_tmr_, kAcceptPauseMs, resume_h, this);
}

void StatusServer::resume_h(void *arg)
{
	auto *self = static_cast<StatusServer *>(arg);
	for (Listener *l : {&self->tcp_, &self->unix_})
		if (l->fd >= 0)
			(void)fd_listen(l->fd, FD_READ, accept_h, l);
}

void StatusServer::conn_closed(StatusConn *c)
{
	auto it = conns_.find(c);
	if (it == conns_.end())
		return;
	graveyard_.push_back(std::move(it->second));
	conns_.erase(it);
	tmr_start(&reap_tmr_, 0, reap_h, this);
}

void StatusServer::reap_h(void *arg)
{
	static_cast<StatusServer *>(arg)->graveyard_.clear();
}

HttpReply StatusServer::reply_for(const ParsedRequest &req, const StatusConn &c)
{
	if (!c.local()) {
		bool ok = false;
		HttpReply refusal = authenticate(req, c.peer(), ok);
		if (!ok) {
			access_log(c, req, refusal.status);
			return refusal;
		}
	}
	HttpReply r = route_request(req, handler_, &render_cache_);
	access_log(c, req, r.status);
	return r;
}

// One line per request, without headers (the token is one). Off by default:
// building the line costs more than answering on a busy endpoint.
void StatusServer::access_log(const StatusConn &c, const ParsedRequest &req, int status) const
{
	if (cfg_.access_log)
		log_info("status: " + c.peer() + " " + req.method + " " + req.path + " -> " +
		         std::to_string(status));
}

HttpReply StatusServer::authenticate(const ParsedRequest &req, const std::string &peer, bool &ok)
{
	ok = false;
	const uint64_t now = tmr_jiffies();
	if (const uint64_t wait = limiter_.blocked_for(peer, now))
		return too_many_reply(wait);
	if (!bearer_matches(req, cfg_.token)) {
		limiter_.failure(peer, now);
		if (limiter_.blocked_for(peer, now))
			log_warn("status: too many failed authentications from " + peer +
			         "; refusing it for a while");
		return unauthorized_reply();
	}
	limiter_.success(peer);
	ok = true;
	return {};
}

} // namespace hotdesk
