// SPDX-License-Identifier: BSD-3-Clause
// Who is at the other end of a connected UNIX socket, behind a small
// interface so that agent/ code includes no Linux header (SO_PEERCRED).
#pragma once

#include <cstdint>
#include <optional>

namespace hotdesk::platform
{

// The peer process's effective uid at connect time, or nothing when the
// kernel cannot tell (not a UNIX socket, unsupported platform).
std::optional<uint32_t> peer_uid(int fd);

// Our own effective uid.
uint32_t own_uid();

// The status socket's rule: the daemon's own user or root.
inline bool peer_trusted(int fd)
{
	const auto uid = peer_uid(fd);
	return uid && (*uid == own_uid() || *uid == 0);
}

} // namespace hotdesk::platform
