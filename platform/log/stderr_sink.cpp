// SPDX-License-Identifier: BSD-3-Clause
#include "log_sinks.h"

#include <chrono>

namespace hotdesk::platform
{

StderrSink::StderrSink(std::string ident, std::FILE *out) : ident_(std::move(ident)), out_(out) {}

void StderrSink::write(LogLevel level, const std::string &msg)
{
	using namespace std::chrono;
	const auto ms = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
	std::fprintf(out_, "%s[%lld.%03lld] %s: %s\n", ident_.c_str(),
	             static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000),
	             log_level_name(level), msg.c_str());
	std::fflush(out_);
}

std::unique_ptr<LogSink> make_log_sink(LogTarget target, const std::string &ident)
{
	if (target == LogTarget::Syslog)
		return std::make_unique<SyslogSink>(ident);
	return std::make_unique<StderrSink>(ident);
}

} // namespace hotdesk::platform
