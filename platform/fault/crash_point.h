// SPDX-License-Identifier: BSD-3-Clause
// Named crash points for fault-injection tests. In builds with
// HOTDESK_FAULT_INJECTION, crash_point("login.after_uanew") kills the process
// with SIGKILL when the environment variable HOTDESK_CRASH_AT names that
// point, so a test can cut hotdeskd at every step of a swap. Release builds
// compile it to nothing.
#pragma once

namespace hotdesk::platform
{

#ifdef HOTDESK_FAULT_INJECTION
void crash_point(const char *name);
#else
inline void crash_point(const char *) {}
#endif

} // namespace hotdesk::platform
