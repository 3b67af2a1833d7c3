// SPDX-License-Identifier: BSD-3-Clause
// status_tests: doctest's main with libre initialised around it (the server
// tests run re's event loop). HOTDESK_TEST_LOG=debug shows the server's log.
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

struct LibreForTests {
	LibreForTests()
	{
		if (libre_init() != 0) {
			std::fprintf(stderr, "status_tests: libre_init failed\n");
			std::exit(1);
		}
		// A client that vanishes must not kill the test run.
		std::signal(SIGPIPE, SIG_IGN);
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
