// SPDX-License-Identifier: BSD-3-Clause
// Socket options the agent needs, behind a small interface so that agent/
// code includes no Linux header.
#pragma once

namespace hotdesk::platform
{

// baresip's ctrl_tcp does not set TCP_NODELAY; without an immediate ACK a
// response that follows an event arrives ~40 ms late. Re-arm after every
// receive (Linux clears the flag). No-op where unsupported.
void tcp_quickack(int fd);

} // namespace hotdesk::platform
