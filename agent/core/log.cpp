// SPDX-License-Identifier: BSD-3-Clause
#include "log.h"

#include <utility>

namespace hotdesk
{

namespace
{
LogLevel g_level = LogLevel::Info;
std::unique_ptr<LogSink> g_sink;
} // namespace

std::unique_ptr<LogSink> log_set_sink(std::unique_ptr<LogSink> sink)
{
	return std::exchange(g_sink, std::move(sink));
}

void log_set_level(LogLevel l)
{
	g_level = l;
}

LogLevel log_level()
{
	return g_level;
}

std::optional<LogLevel> log_level_from_name(std::string_view name)
{
	for (LogLevel l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error})
		if (name == log_level_name(l))
			return l;
	return std::nullopt;
}

const char *log_level_name(LogLevel l)
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

std::optional<LogTarget> log_target_from_name(std::string_view name)
{
	if (name == "stderr")
		return LogTarget::Stderr;
	if (name == "syslog")
		return LogTarget::Syslog;
	return std::nullopt;
}

void log_msg(LogLevel l, const std::string &msg)
{
	if (l >= g_level && g_sink)
		g_sink->write(l, msg);
}

} // namespace hotdesk
