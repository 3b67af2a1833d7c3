// SPDX-License-Identifier: BSD-3-Clause
// Listening sockets for the status server: non-blocking, close-on-exec,
// plain POSIX (the Linux-only peer check is in platform/net/peer_cred.h).
#pragma once

#include "../core/error.h"

#include <cstdint>
#include <string>

struct sa;

namespace hotdesk
{

// TCP on `addr` (SO_REUSEADDR, so a restart does not wait for TIME_WAIT).
Expected<int> listen_tcp(const struct sa &addr, int backlog);
// A UNIX stream socket at `path`, mode 0600 from the start (created under a
// restrictive umask, so there is no window with wider permissions). A stale
// socket left by a dead daemon is replaced; a live one (someone accepts) or
// any other kind of file at `path` is an error.
Expected<int> listen_unix(const std::string &path, int backlog);

struct Accepted {
	int fd = -1;        // -1: nothing (more) to accept
	std::string peer;   // IP address for TCP, "unix" for UNIX sockets
	bool retry = false; // a transient failure (e.g. EMFILE): try again later
};
Accepted accept_one(int listen_fd);

uint16_t local_port(int fd);
// Closes the fd, ignoring errors (nothing sensible to do on close failure
// of a socket).
void close_fd(int fd);

} // namespace hotdesk
