// SPDX-License-Identifier: BSD-3-Clause
// Logging to stderr. Never pass a secret (PIN, SIP password, token, account
// line) to these functions: they have no way to redact it.
#pragma once

#include <string>

namespace hotdesk
{

enum class LogLevel { Debug, Info, Warn, Error };

void log_set_level(LogLevel l);
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
