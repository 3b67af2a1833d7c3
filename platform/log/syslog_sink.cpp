// SPDX-License-Identifier: BSD-3-Clause
#include "log_sinks.h"

#include <syslog.h>

namespace hotdesk::platform
{

namespace
{

int priority(LogLevel l)
{
	switch (l) {
	case LogLevel::Debug:
		return LOG_DEBUG;
	case LogLevel::Info:
		return LOG_INFO;
	case LogLevel::Warn:
		return LOG_WARNING;
	case LogLevel::Error:
		return LOG_ERR;
	}
	return LOG_NOTICE;
}

} // namespace

SyslogSink::SyslogSink(std::string ident) : ident_(std::move(ident))
{
	openlog(ident_.c_str(), LOG_PID, LOG_DAEMON);
}

SyslogSink::~SyslogSink()
{
	closelog();
}

void SyslogSink::write(LogLevel level, const std::string &msg)
{
	syslog(LOG_DAEMON | priority(level), "%s", msg.c_str());
}

} // namespace hotdesk::platform
