// SPDX-License-Identifier: BSD-3-Clause
#include "peer_cred.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace hotdesk::platform
{

std::optional<uint32_t> peer_uid(int fd)
{
#ifdef SO_PEERCRED
	struct ucred cred {
	};
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return std::nullopt;
	return static_cast<uint32_t>(cred.uid);
#else
	(void)fd;
	return std::nullopt;
#endif
}

uint32_t own_uid()
{
	return static_cast<uint32_t>(geteuid());
}

} // namespace hotdesk::platform
