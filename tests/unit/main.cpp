// SPDX-License-Identifier: BSD-3-Clause
// The unit test binary: doctest's main, with libre initialised once around it
// (the ctrl_tcp and status server tests run re's event loop). The code under
// test logs to stderr at level error; HOTDESK_TEST_LOG=debug shows all of it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "agent/core/log.h"
#include "platform/log/log_sinks.h"
#include "platform/re/re_cxx.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
		// A client that vanishes must not kill the test run.
		std::signal(SIGPIPE, SIG_IGN);
		// Keep the test output readable: the code under test logs
		// warnings on purpose (garbled streams, timeouts, ...).
		const char *lvl = std::getenv("HOTDESK_TEST_LOG");
		hotdesk::log_set_sink(std::make_unique<hotdesk::platform::StderrSink>("hotdeskd"));
		hotdesk::log_set_level(lvl && std::strcmp(lvl, "debug") == 0
		                           ? hotdesk::LogLevel::Debug
		                           : hotdesk::LogLevel::Error);
	}
	~LibreForTests() { libre_close(); }
};

LibreForTests g_libre;

} // namespace
