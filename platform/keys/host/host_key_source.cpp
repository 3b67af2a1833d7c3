// SPDX-License-Identifier: BSD-3-Clause
#include "host_key_source.h"

#include "../../../agent/core/log.h"
#include "../../../agent/core/text.h"
#include "../../re/re_cxx.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

namespace hotdesk::platform
{

namespace
{
constexpr size_t kMaxLine = 512;
}

struct HostKeySource::TtyState {
	struct termios saved {
	};
};

struct HostKeySource::Conn {
	HostKeySource *self;
	int fd;
	std::string buf;
};

Expected<std::vector<Key>> parse_key_line(const std::string &line)
{
	std::vector<Key> keys;
	for (size_t i = 0; i < line.size(); ++i) {
		const char c = line[i];
		if (c >= '0' && c <= '9') {
			keys.push_back(Key::dig(c));
		} else if (c == '*') {
			keys.push_back(Key::of(KeyKind::Star));
		} else if (c == '#') {
			keys.push_back(Key::of(KeyKind::Hash));
		} else if (c == '{') {
			const size_t end = line.find('}', i);
			if (end == std::string::npos)
				return make_error("keys", "'{' without '}'");
			auto k = parse_key_name(line.substr(i + 1, end - i - 1));
			if (!k)
				return k.error();
			keys.push_back(*k);
			i = end;
		} else if (c == ' ' || c == '\r' || c == '\t') {
			continue;
		} else {
			return make_error("keys", std::string("no key for character '") + c + "'");
		}
	}
	return keys;
}

HostKeySource::HostKeySource(const Board &board, std::string socket_path, bool use_tty)
    : board_(board), path_(std::move(socket_path)), use_tty_(use_tty)
{
}

HostKeySource::~HostKeySource()
{
	for (auto &kv : conns_) {
		fd_close(kv.first);
		::close(kv.first);
	}
	if (listen_fd_ >= 0) {
		fd_close(listen_fd_);
		::close(listen_fd_);
		::unlink(path_.c_str());
	}
	if (tty_raw_) {
		fd_close(STDIN_FILENO);
		tcsetattr(STDIN_FILENO, TCSANOW, &tty_->saved);
	}
}

Status HostKeySource::start(Handler h)
{
	h_ = std::move(h);
	if (use_tty_ && isatty(STDIN_FILENO)) {
		tty_ = std::make_unique<TtyState>();
		if (tcgetattr(STDIN_FILENO, &tty_->saved) == 0) {
			struct termios raw = tty_->saved;
			raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
			raw.c_cc[VMIN] = 1;
			raw.c_cc[VTIME] = 0;
			tcsetattr(STDIN_FILENO, TCSANOW, &raw);
			tty_raw_ = true;
			fd_listen(STDIN_FILENO, FD_READ, tty_h, this);
		}
	}
	if (path_.empty())
		return Ok{};
	struct sockaddr_un sun {
	};
	if (path_.size() >= sizeof(sun.sun_path))
		return make_error("key_socket", "path too long: " + path_);
	sun.sun_family = AF_UNIX;
	std::strncpy(sun.sun_path, path_.c_str(), sizeof(sun.sun_path) - 1);
	listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd_ < 0)
		return make_error("key_socket", std::strerror(errno));
	::unlink(path_.c_str());
	const mode_t old = ::umask(0077); // the socket is born 0600
	const int rc = ::bind(listen_fd_, reinterpret_cast<struct sockaddr *>(&sun), sizeof(sun));
	::umask(old);
	if (rc < 0 || ::listen(listen_fd_, 4) < 0)
		return make_error("key_socket", path_ + ": " + std::strerror(errno));
	fd_listen(listen_fd_, FD_READ, accept_h, this);
	return Ok{};
}

void HostKeySource::tty_h(int, void *arg)
{
	static_cast<HostKeySource *>(arg)->on_tty();
}
void HostKeySource::accept_h(int, void *arg)
{
	static_cast<HostKeySource *>(arg)->on_accept();
}
void HostKeySource::conn_h(int, void *arg)
{
	auto *c = static_cast<Conn *>(arg);
	c->self->on_conn(c->fd);
}

void HostKeySource::on_tty()
{
	char buf[64];
	const ssize_t n = ::read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0) {
		fd_close(STDIN_FILENO);
		return;
	}
	for (ssize_t i = 0; i < n; ++i)
		press_tty_char(buf[i]);
}

void HostKeySource::press_tty_char(char c)
{
	std::string token(1, c);
	if (c == '\n' || c == '\r')
		token = "enter";
	else if (c == 0x1b)
		token = "esc";
	else if (c == 0x7f || c == 0x08)
		token = "backspace";
	auto it = board_.keymap.find(token);
	if (it != board_.keymap.end()) {
		h_(it->second);
		return;
	}
	auto keys = parse_key_line(token);
	if (keys && keys->size() == 1)
		h_(keys->front());
}

void HostKeySource::on_accept()
{
	const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (conns_.size() >= 8) { // a test harness needs one or two
		::close(fd);
		return;
	}
	auto c = std::make_unique<Conn>(Conn{this, fd, {}});
	fd_listen(fd, FD_READ, conn_h, c.get());
	conns_[fd] = std::move(c);
}

void HostKeySource::close_conn(int fd)
{
	fd_close(fd);
	::close(fd);
	conns_.erase(fd);
}

void HostKeySource::on_conn(int fd)
{
	auto it = conns_.find(fd);
	if (it == conns_.end())
		return;
	char buf[256];
	const ssize_t n = ::read(fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close_conn(fd);
		return;
	}
	// A line may be a PIN: every copy of it is wiped (buf, line, acc's
	// consumed part).
	std::string &acc = it->second->buf;
	acc.append(buf, static_cast<size_t>(n));
	mbedtls_platform_zeroize(buf, sizeof(buf));
	size_t from = 0, nl;
	while ((nl = acc.find('\n', from)) != std::string::npos) {
		std::string line = acc.substr(from, nl - from);
		from = nl + 1;
		auto keys = parse_key_line(line);
		wipe_secret(line);
		std::string reply = "ok\n";
		if (!keys) {
			reply = "error: " + keys.error().what + "\n";
		} else {
			for (const Key &k : *keys)
				h_(k);
		}
		(void)!::write(fd, reply.data(), reply.size());
	}
	if (from > 0) { // keep the unfinished line; nothing of the others stays
		std::string rest = acc.substr(from);
		std::fill(acc.begin(), acc.end(), '\0');
		acc = rest;
		wipe_secret(rest);
	}
	if (acc.size() > kMaxLine) {
		const std::string reply = "error: line too long\n";
		(void)!::write(fd, reply.data(), reply.size());
		close_conn(fd);
	}
}

} // namespace hotdesk::platform
