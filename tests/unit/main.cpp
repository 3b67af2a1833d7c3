// SPDX-License-Identifier: BSD-3-Clause
// The unit test binary: doctest's main, with libre initialised once around it
// (the ctrl_tcp tests run re's event loop).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "agent/core/log.h"
#include "platform/log/log_sinks.h"
#include "platform/re/re_cxx.h"

#include <cstdio>
#include <cstdlib>

namespace
{

// Constructed before doctest's main runs, destroyed after it returns.
struct LibreForTests {
	LibreForTests()
	{
		if (libre_init() != 0) {
			std::fprintf(stderr, "unit_tests: libre_init failed\n");
			std::exit(1);
		}
		// Keep the test output readable: the code under test logs
		// warnings on purpose (garbled streams, timeouts, ...).
		hotdesk::log_set_sink(std::make_unique<hotdesk::platform::StderrSink>("hotdeskd"));
		hotdesk::log_set_level(hotdesk::LogLevel::Error);
	}
	~LibreForTests() { libre_close(); }
};

LibreForTests g_libre;

} // namespace
