// SPDX-License-Identifier: BSD-3-Clause
// A syslog for integration tests, preloaded into baresip (LD_PRELOAD): what
// the process hands syslog(3) (baresip's syslog.so module: openlog, then
// __syslog_chk, as Debian builds it fortified) is appended to the file named
// by HOTDESK_SYSLOG_CAPTURE, one line per message:
//   <ident>[<pid>]: <priority> <message>
// instead of going to /dev/log, which a test may not own (none exists in a
// container; a developer's machine has the real one). Without the variable
// messages are dropped. Test code only: never installed, no C++ runtime used.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace
{

char g_ident[64] = "?";

void capture(int priority, const char *format, va_list ap)
{
	const int saved = errno; // for %m in the format, and the caller's
	const char *path = std::getenv("HOTDESK_SYSLOG_CAPTURE");
	if (!path || !*path)
		return;
	char msg[4096];
	errno = saved;
	std::vsnprintf(msg, sizeof msg, format, ap);
	size_t n = std::strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	char line[4096 + 128];
	const int len = std::snprintf(line, sizeof line, "%s[%ld]: <%d> %s\n", g_ident,
	                              static_cast<long>(getpid()), priority, msg);
	if (len <= 0)
		return;
	const int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	// One write per message: lines of several threads do not interleave.
	const size_t want = static_cast<size_t>(len) < sizeof line ? len : sizeof line - 1;
	(void)!write(fd, line, want);
	close(fd);
	errno = saved;
}

} // namespace

extern "C" {

void openlog(const char *ident, int, int)
{
	std::snprintf(g_ident, sizeof g_ident, "%s", ident ? ident : "?");
}

void closelog(void) {}

void vsyslog(int priority, const char *format, va_list ap)
{
	capture(priority, format, ap);
}

void syslog(int priority, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	capture(priority, format, ap);
	va_end(ap);
}

void __vsyslog_chk(int priority, int, const char *format, va_list ap)
{
	capture(priority, format, ap);
}

void __syslog_chk(int priority, int, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	capture(priority, format, ap);
	va_end(ap);
}

} // extern "C"
