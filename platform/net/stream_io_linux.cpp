// SPDX-License-Identifier: BSD-3-Clause
#include "stream_io.h"

#include <sys/socket.h>

#include <cerrno>

namespace hotdesk::platform
{

namespace
{

StreamIo result(ssize_t k, bool reading)
{
	if (k > 0)
		return {StreamIo::Done, static_cast<size_t>(k)};
	if (k == 0)
		return {reading ? StreamIo::Eof : StreamIo::Failed, 0};
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return {StreamIo::WouldBlock, 0};
	return {StreamIo::Failed, 0};
}

} // namespace

StreamIo stream_recv(int fd, void *buf, size_t len)
{
	return result(::recv(fd, buf, len, 0), true);
}

StreamIo stream_send(int fd, const void *buf, size_t len)
{
	return result(::send(fd, buf, len, MSG_NOSIGNAL), false);
}

void stream_shutdown_write(int fd)
{
	(void)::shutdown(fd, SHUT_WR);
}

} // namespace hotdesk::platform
