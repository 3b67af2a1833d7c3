// SPDX-License-Identifier: BSD-3-Clause
#include "crash_point.h"

#ifdef HOTDESK_FAULT_INJECTION
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hotdesk::platform
{

void crash_point(const char *name)
{
	static const char *target = std::getenv("HOTDESK_CRASH_AT");
	if (target && std::strcmp(target, name) == 0) {
		std::fprintf(stderr, "hotdeskd: crash point %s reached: SIGKILL\n", name);
		std::fflush(stderr);
		std::raise(SIGKILL);
	}
}

} // namespace hotdesk::platform
#endif
