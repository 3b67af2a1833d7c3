// SPDX-License-Identifier: BSD-3-Clause
// The log facade: levels, a threshold and one pluggable sink per process.
// Pure: where messages go (stderr, syslog) is platform/log's business; main()
// installs a sink, tests install a recording one. Without a sink, messages
// are dropped. Single-threaded like the rest of hotdeskd (libre's loop).
//
// Never pass a secret (PIN, SIP password, token, account line) to these
// functions: they have no way to redact it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hotdesk
{

enum class LogLevel { Debug, Info, Warn, Error };

// Where a message goes once it passes the level threshold.
class LogSink
{
public:
	virtual ~LogSink() = default;
	virtual void write(LogLevel level, const std::string &msg) = 0;
};

// Installs `sink` (nullptr: drop everything) and returns the previous one,
// so a test can put it back.
std::unique_ptr<LogSink> log_set_sink(std::unique_ptr<LogSink> sink);
void log_set_level(LogLevel l);
LogLevel log_level();

// "debug" | "info" | "warn" | "error" (the config's log_level values).
std::optional<LogLevel> log_level_from_name(std::string_view name);
const char *log_level_name(LogLevel l);

// Where the daemon logs (the config's log_target): "stderr" | "syslog".
// platform/log/log_sinks.h makes the sink for each.
enum class LogTarget { Stderr, Syslog };
std::optional<LogTarget> log_target_from_name(std::string_view name);

void log_msg(LogLevel l, const std::string &msg);
inline void log_debug(const std::string &m)
{
	log_msg(LogLevel::Debug, m);
}
inline void log_info(const std::string &m)
{
	log_msg(LogLevel::Info, m);
}
inline void log_warn(const std::string &m)
{
	log_msg(LogLevel::Warn, m);
}
inline void log_error(const std::string &m)
{
	log_msg(LogLevel::Error, m);
}

} // namespace hotdesk
