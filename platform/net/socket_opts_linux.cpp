// SPDX-License-Identifier: BSD-3-Clause
#include "socket_opts.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace hotdesk::platform
{

void tcp_quickack(int fd)
{
#ifdef TCP_QUICKACK
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

} // namespace hotdesk::platform
