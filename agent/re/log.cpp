// SPDX-License-Identifier: BSD-3-Clause
#include "log.h"

#include <chrono>
#include <cstdio>

namespace hotdesk
{

namespace
{
LogLevel g_level = LogLevel::Info;
const char *tag(LogLevel l)
{
	switch (l) {
	case LogLevel::Debug:
		return "debug";
	case LogLevel::Info:
		return "info";
	case LogLevel::Warn:
		return "warn";
	case LogLevel::Error:
		return "error";
	}
	return "?";
}
} // namespace

void log_set_level(LogLevel l)
{
	g_level = l;
}

void log_msg(LogLevel l, const std::string &msg)
{
	if (l < g_level)
		return;
	using namespace std::chrono;
	const auto ms = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
	std::fprintf(stderr, "hotdeskd[%lld.%03lld] %s: %s\n", static_cast<long long>(ms / 1000),
	             static_cast<long long>(ms % 1000), tag(l), msg.c_str());
	std::fflush(stderr);
}

} // namespace hotdesk
