// SPDX-License-Identifier: BSD-3-Clause
#include "host_display.h"

#include "../../../agent/core/i18n.h"
#include "../../i18n/transliterate.h"
#include "../text_layout.h"

#include <cerrno>
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

std::string terminal_frame(const std::vector<std::string> &lines, unsigned columns, bool first)
{
	const std::string bar = "+" + std::string(columns + 2, '-') + "+\x1b[K\r\n";
	std::string out = first ? "\x1b[H\x1b[2J" : "\x1b[H";
	out += bar;
	for (const auto &l : lines)
		out += "| " + pad(l, columns) + " |\x1b[K\r\n";
	out += bar;
	return out;
}

namespace
{
// One write(2) per frame: a tty takes a write whole, so another process
// drawing on the same terminal (the demo) never lands inside a frame.
void write_all(int fd, const std::string &s)
{
	size_t off = 0;
	while (off < s.size()) {
		const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; // a terminal that went away: nothing to draw on
		off += static_cast<size_t>(n);
	}
}
} // namespace

HostDisplay::HostDisplay(unsigned lines, unsigned columns, std::string path, bool tty, bool ascii)
    : lines_(lines), columns_(columns), path_(std::move(path)), tty_(tty), ascii_(ascii)
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
	const std::string lang = ascii_ ? i18n_language() : "";
	for (unsigned i = 0; i < lines_; ++i) {
		const std::string &l = i < lines.size() ? lines[i] : "";
		fitted.push_back(fit_utf8(ascii_ ? to_ascii(l, lang) : l, columns_));
	}
	std::string joined;
	for (size_t i = 0; i < fitted.size(); ++i)
		joined += (i ? " | " : "") + fitted[i];
	if (joined == last_)
		return;
	last_ = joined;
	// The terminal first: whoever watches the transcript (the demo) may draw
	// below the box as soon as a frame is there, after the first clear.
	if (tty_) {
		write_all(STDOUT_FILENO, terminal_frame(fitted, columns_, !drawn_));
		drawn_ = true;
	}
	if (log_) {
		std::fprintf(log_, "%s\n", joined.c_str());
		std::fflush(log_);
	}
}

} // namespace hotdesk::platform
