// SPDX-License-Identifier: BSD-3-Clause
// Reading and writing a non-blocking stream socket without errno or socket
// headers at the call site (agent/status, its TLS BIO). Linux implementation
// in stream_io_linux.cpp.
#pragma once

#include <cstddef>

namespace hotdesk::platform
{

struct StreamIo {
	enum Kind {
		Done,       // n bytes moved (n > 0)
		WouldBlock, // nothing now (EAGAIN, EINTR): wait for the fd
		Eof,        // recv: the peer closed its side
		Failed,     // a hard error (reset, broken pipe): close the connection
	};
	Kind kind = Failed;
	size_t n = 0;
};

StreamIo stream_recv(int fd, void *buf, size_t len);
// Never raises SIGPIPE (MSG_NOSIGNAL): a vanished peer is Failed.
StreamIo stream_send(int fd, const void *buf, size_t len);
// Half-close: no more writes (SHUT_WR); the peer sees EOF, we can still read.
void stream_shutdown_write(int fd);

} // namespace hotdesk::platform
