// SPDX-License-Identifier: BSD-3-Clause
// Listening and accepted stream sockets for the status endpoint
// (agent/status), so that agent/ includes no socket header: non-blocking,
// close-on-exec; Linux implementation in listen_socket_linux.cpp (the peer
// check is peer_cred.h, reading and writing stream_io.h). Addresses are
// libre's `struct sa` (platform/ may use libre).
#pragma once

#include "../../agent/core/error.h"

#include <cstdint>
#include <string>

struct sa;

namespace hotdesk::platform
{

// TCP on `addr` (SO_REUSEADDR, so a restart does not wait for TIME_WAIT).
Expected<int> listen_tcp(const struct sa &addr, int backlog);
// A UNIX stream socket at `path`, mode 0600 from the start (created under a
// restrictive umask, so there is no window with wider permissions). A stale
// socket left by a dead daemon is replaced; a live one (someone accepts) or
// any other kind of file at `path` is an error.
Expected<int> listen_unix(const std::string &path, int backlog);
// Removes the socket file at `path` that listen_unix made; anything else
// there (another kind of file) is left alone.
void remove_unix_socket(const std::string &path);

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

} // namespace hotdesk::platform
