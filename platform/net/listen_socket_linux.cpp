// SPDX-License-Identifier: BSD-3-Clause
#include "listen_socket.h"

#include "../re/re_cxx.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hotdesk::platform
{

namespace
{

std::string sys_error(const char *what)
{
	return std::string(what) + ": " + std::strerror(errno);
}

bool set_nonblock_cloexec(int fd)
{
	const int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
	       fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

Expected<int> new_socket(int family)
{
	const int fd = ::socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return make_error("status", sys_error("socket"));
	if (!set_nonblock_cloexec(fd)) {
		close_fd(fd);
		return make_error("status", sys_error("fcntl"));
	}
	return fd;
}

bool fill_unix_addr(const std::string &path, struct sockaddr_un &un)
{
	std::memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(un.sun_path))
		return false;
	std::memcpy(un.sun_path, path.c_str(), path.size());
	return true;
}

// Removes a socket file nobody listens on any more. Anything else at the
// path is left alone: we never delete a file we did not create.
Status clear_stale_socket(const std::string &path, const struct sockaddr_un &un)
{
	struct stat st {
	};
	if (lstat(path.c_str(), &st) != 0)
		return errno == ENOENT ? Status(Ok{})
		                       : Status(make_error("status", sys_error(path.c_str())));
	if (!S_ISSOCK(st.st_mode))
		return make_error("status", path + " exists and is not a socket");
	const int probe = ::socket(AF_UNIX, SOCK_STREAM, 0);
	if (probe < 0)
		return make_error("status", sys_error("socket"));
	const bool live =
	    ::connect(probe, reinterpret_cast<const struct sockaddr *>(&un), sizeof(un)) == 0;
	close_fd(probe);
	if (live)
		return make_error("status", path + " is in use by another process");
	if (unlink(path.c_str()) != 0)
		return make_error("status", sys_error(path.c_str()));
	return Ok{};
}

} // namespace

void close_fd(int fd)
{
	if (fd >= 0)
		(void)::close(fd);
}

void remove_unix_socket(const std::string &path)
{
	struct stat st {
	};
	if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path.c_str());
}

Expected<int> listen_tcp(const struct sa &addr, int backlog)
{
	auto fd = new_socket(sa_af(&addr));
	if (!fd)
		return fd.error();
	const int one = 1;
	(void)setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (::bind(*fd, &addr.u.sa, addr.len) != 0 || ::listen(*fd, backlog) != 0) {
		Error e = make_error("status", sys_error("bind/listen"));
		close_fd(*fd);
		return e;
	}
	return fd;
}

Expected<int> listen_unix(const std::string &path, int backlog)
{
	struct sockaddr_un un;
	if (!fill_unix_addr(path, un))
		return make_error("status", "bad UNIX socket path '" + path + "'");
	Status cleared = clear_stale_socket(path, un);
	if (!cleared)
		return cleared.error();
	auto fd = new_socket(AF_UNIX);
	if (!fd)
		return fd.error();
	// umask is process-wide, but hotdeskd is single-threaded (libre).
	const mode_t old = umask(0177);
	const int rc = ::bind(*fd, reinterpret_cast<const struct sockaddr *>(&un), sizeof(un));
	umask(old);
	if (rc != 0 || chmod(path.c_str(), 0600) != 0 || ::listen(*fd, backlog) != 0) {
		Error e = make_error("status", sys_error(path.c_str()));
		close_fd(*fd);
		return e;
	}
	return fd;
}

Accepted accept_one(int listen_fd)
{
	struct sockaddr_storage ss {
	};
	socklen_t len = sizeof(ss);
	Accepted a;
	const int fd = ::accept(listen_fd, reinterpret_cast<struct sockaddr *>(&ss), &len);
	if (fd < 0) {
		a.retry = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
		return a;
	}
	if (!set_nonblock_cloexec(fd)) {
		close_fd(fd);
		return a;
	}
	a.fd = fd;
	if (ss.ss_family == AF_UNIX) {
		a.peer = "unix";
		return a;
	}
	// TLS handshakes are several small writes in a row: without this,
	// Nagle holds each back until the client's delayed ACK (~40 ms).
	const int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sa peer;
	char buf[64] = "?";
	if (sa_set_sa(&peer, reinterpret_cast<struct sockaddr *>(&ss)) == 0)
		(void)sa_ntop(&peer, buf, sizeof(buf));
	a.peer = buf;
	return a;
}

uint16_t local_port(int fd)
{
	struct sockaddr_storage ss {
	};
	socklen_t len = sizeof(ss);
	if (getsockname(fd, reinterpret_cast<struct sockaddr *>(&ss), &len) != 0)
		return 0;
	struct sa a;
	return sa_set_sa(&a, reinterpret_cast<struct sockaddr *>(&ss)) == 0 ? sa_port(&a) : 0;
}

} // namespace hotdesk::platform
