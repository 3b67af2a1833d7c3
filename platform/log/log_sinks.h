// SPDX-License-Identifier: BSD-3-Clause
// Backends of the log facade (agent/core/log.h). main() installs one with
// log_set_sink(make_log_sink(target, "hotdeskd")).
#pragma once

#include "../../agent/core/log.h"

#include <cstdio>
#include <memory>
#include <string>

namespace hotdesk::platform
{

// One line a message: "<ident>[<seconds>.<ms>] <level>: <msg>", the time from
// the monotonic clock (the tests' logs are read beside other processes'),
// flushed at once. `out` is stderr except in tests.
class StderrSink : public LogSink
{
public:
	explicit StderrSink(std::string ident, std::FILE *out = stderr);
	void write(LogLevel level, const std::string &msg) override;

private:
	std::string ident_;
	std::FILE *out_;
};

// syslog(3) with facility LOG_DAEMON and the pid; levels map to LOG_DEBUG,
// LOG_INFO, LOG_WARNING and LOG_ERR. The daemon's syslogd (BusyBox syslogd,
// journald) timestamps, rotates and forwards. One per process (openlog is
// process-wide); closelog() when destroyed.
class SyslogSink : public LogSink
{
public:
	explicit SyslogSink(std::string ident);
	~SyslogSink() override;
	SyslogSink(const SyslogSink &) = delete;
	SyslogSink &operator=(const SyslogSink &) = delete;
	void write(LogLevel level, const std::string &msg) override;

private:
	std::string ident_; // openlog keeps the pointer
};

std::unique_ptr<LogSink> make_log_sink(LogTarget target, const std::string &ident);

} // namespace hotdesk::platform
