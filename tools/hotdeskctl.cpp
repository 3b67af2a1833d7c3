// SPDX-License-Identifier: BSD-3-Clause
// hotdeskctl: the technician's view of hotdeskd, over its local UNIX socket
// (the daemon checks that we run as its user or as root; no token needed).
//
//   hotdeskctl [--socket PATH] status [--json]
//   hotdeskctl [--socket PATH] logout
//   hotdeskctl [--socket PATH] resync
//
// Exit status: 0 healthy / done, 1 unhealthy / refused, 2 usage or
// connection error (so scripts can tell "phone is sick" from "can't ask").
#include "agent/status/status_model.h"
#include "platform/re/re_cxx.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace
{

constexpr const char *kDefaultSocket = "/run/hotdesk/status.sock";
constexpr int kTimeoutMs = 5000;
constexpr size_t kMaxResponse = size_t{64} * 1024;

enum Exit { kHealthy = 0, kUnhealthy = 1, kUsage = 2 };

struct Response {
	int status = 0;
	std::string body;
};

int usage()
{
	std::fprintf(stderr,
	             "usage: hotdeskctl [--socket PATH] status [--json] | logout | resync\n"
	             "       default socket: %s (or $HOTDESK_STATUS_SOCKET)\n",
	             kDefaultSocket);
	return kUsage;
}

int connect_unix(const std::string &path)
{
	struct sockaddr_un un {
	};
	if (path.size() >= sizeof(un.sun_path))
		return -1;
	un.sun_family = AF_UNIX;
	std::memcpy(un.sun_path, path.c_str(), path.size());
	const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ::connect(fd, reinterpret_cast<struct sockaddr *>(&un), sizeof(un)) == 0)
		return fd;
	const int err = errno;
	if (fd >= 0)
		::close(fd);
	errno = err;
	return -1;
}

bool wait_fd(int fd, short events)
{
	struct pollfd p {
		fd, events, 0
	};
	return ::poll(&p, 1, kTimeoutMs) == 1;
}

bool send_all(int fd, const std::string &s)
{
	for (size_t off = 0; off < s.size();) {
		if (!wait_fd(fd, POLLOUT))
			return false;
		const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		off += static_cast<size_t>(n);
	}
	return true;
}

// Reads until the server closes (we send Connection: close), bounded in
// time and size.
bool read_all(int fd, std::string &out)
{
	char buf[4096];
	for (;;) {
		if (!wait_fd(fd, POLLIN))
			return false;
		const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return true;
		if (n < 0 || out.size() + static_cast<size_t>(n) > kMaxResponse)
			return false;
		out.append(buf, static_cast<size_t>(n));
	}
}

bool parse_response(const std::string &raw, Response &r)
{
	const size_t head_end = raw.find("\r\n\r\n");
	if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos)
		return false;
	r.status = std::atoi(raw.c_str() + 9);
	r.body = raw.substr(head_end + 4);
	return r.status >= 100;
}

bool exchange(const std::string &socket, const std::string &method, const std::string &path,
              Response &r)
{
	const int fd = connect_unix(socket);
	if (fd < 0) {
		std::fprintf(stderr, "hotdeskctl: cannot connect to %s: %s\n", socket.c_str(),
		             std::strerror(errno));
		return false;
	}
	const std::string req = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" +
	                        (method == "POST" ? "Content-Length: 0\r\n" : "") +
	                        "Accept: application/json\r\nConnection: close\r\n\r\n";
	std::string raw;
	const bool ok = send_all(fd, req) && read_all(fd, raw) && parse_response(raw, r);
	::close(fd);
	if (!ok)
		std::fprintf(stderr, "hotdeskctl: no valid answer from %s\n", socket.c_str());
	return ok;
}

int cmd_status(const std::string &socket, bool json)
{
	Response r;
	if (!exchange(socket, "GET", "/status", r))
		return kUsage;
	auto s = hotdesk::parse_status_json(r.body);
	if (r.status != 200 || !s) {
		std::fprintf(stderr, "hotdeskctl: unexpected answer (HTTP %d)\n", r.status);
		return kUsage;
	}
	if (json)
		std::printf("%s\n", r.body.c_str());
	else
		std::fputs(hotdesk::render_text(*s).c_str(), stdout);
	return hotdesk::status_healthy(*s) ? kHealthy : kUnhealthy;
}

int cmd_action(const std::string &socket, const std::string &what)
{
	Response r;
	if (!exchange(socket, "POST", "/" + what, r))
		return kUsage;
	if (r.status == 202) {
		std::printf("%s requested\n", what.c_str());
		return kHealthy;
	}
	std::string message;
	hotdesk::ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 8, r.body.data(), r.body.size(), 2) == 0)
		message = hotdesk::odict_str(o.get(), "message");
	std::printf("%s refused (HTTP %d)%s%s\n", what.c_str(), r.status,
	            message.empty() ? "" : ": ", message.c_str());
	return kUnhealthy;
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = std::getenv("HOTDESK_STATUS_SOCKET");
	std::string socket = env && *env ? env : kDefaultSocket;
	int i = 1;
	if (i + 1 < argc && std::strcmp(argv[i], "--socket") == 0) {
		socket = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage();
	const std::string cmd = argv[i++];
	bool json = false;
	if (cmd == "status" && i < argc && std::strcmp(argv[i], "--json") == 0) {
		json = true;
		++i;
	}
	if (i != argc || (cmd != "status" && cmd != "logout" && cmd != "resync"))
		return usage();
	if (libre_init() != 0) {
		std::fprintf(stderr, "hotdeskctl: libre_init failed\n");
		return kUsage;
	}
	const int rc = cmd == "status" ? cmd_status(socket, json) : cmd_action(socket, cmd);
	libre_close();
	return rc;
}
