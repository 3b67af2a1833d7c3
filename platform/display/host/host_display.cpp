// SPDX-License-Identifier: BSD-3-Clause
#include "host_display.h"

#include <fcntl.h>
#include <unistd.h>

namespace hotdesk::platform
{

std::string fit_utf8(const std::string &s, unsigned columns)
{
	std::string out;
	unsigned n = 0;
	for (size_t i = 0; i < s.size();) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		size_t len = c < 0x80           ? 1
		             : (c >> 5) == 0x6  ? 2
		             : (c >> 4) == 0xe  ? 3
		             : (c >> 3) == 0x1e ? 4
		                                : 1;
		if (i + len > s.size())
			break;
		if (n == columns)
			break;
		out.append(s, i, len);
		i += len;
		++n;
	}
	return out;
}

HostDisplay::HostDisplay(unsigned lines, unsigned columns, std::string path, bool tty)
    : lines_(lines), columns_(columns), path_(std::move(path)), tty_(tty)
{
	if (!path_.empty()) {
		const int fd =
		    ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0)
			log_ = ::fdopen(fd, "a");
	}
}

HostDisplay::~HostDisplay()
{
	if (log_)
		std::fclose(log_);
}

void HostDisplay::render(const std::vector<std::string> &lines)
{
	std::vector<std::string> fitted;
	for (unsigned i = 0; i < lines_; ++i)
		fitted.push_back(fit_utf8(i < lines.size() ? lines[i] : "", columns_));
	std::string joined;
	for (size_t i = 0; i < fitted.size(); ++i)
		joined += (i ? " | " : "") + fitted[i];
	if (joined == last_)
		return;
	last_ = joined;
	if (log_) {
		std::fprintf(log_, "%s\n", joined.c_str());
		std::fflush(log_);
	}
	if (tty_) {
		const std::string bar(columns_ + 2, '-');
		std::printf("\r\n+%s+\r\n", bar.c_str());
		for (const auto &l : fitted)
			std::printf("| %-*s |\r\n", static_cast<int>(columns_), l.c_str());
		std::printf("+%s+\r\n", bar.c_str());
		std::fflush(stdout);
	}
}

} // namespace hotdesk::platform
