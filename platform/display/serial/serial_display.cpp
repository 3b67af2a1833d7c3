// SPDX-License-Identifier: BSD-3-Clause
#include "serial_display.h"

#include "../../../agent/core/i18n.h"
#include "../../../agent/core/log.h"
#include "../../i18n/transliterate.h"
#include "../../re/re_cxx.h"
#include "../text_layout.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace hotdesk::platform
{

namespace
{
constexpr size_t kMaxPending = 16 * 1024;
}

bool baud_constant(unsigned baud, unsigned &speed)
{
	static const struct {
		unsigned baud;
		speed_t speed;
	} kSpeeds[] = {
	    {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},
	    {19200, B19200},   {38400, B38400},   {57600, B57600},   {115200, B115200},
	    {230400, B230400}, {460800, B460800}, {921600, B921600},
	};
	for (const auto &s : kSpeeds)
		if (s.baud == baud) {
			speed = static_cast<unsigned>(s.speed);
			return true;
		}
	return false;
}

std::string serial_frame(const std::vector<std::string> &screen)
{
	std::string out = "\x1b[2J\x1b[H";
	for (const auto &l : screen)
		out += l + "\r\n";
	out += "DISPLAY";
	for (const auto &l : screen) {
		out += '|';
		for (char c : l) {
			if (c == '\\' || c == '|')
				out += '\\';
			out += c;
		}
	}
	out += "\r\n";
	return out;
}

bool parse_display_line(const std::string &line, std::vector<std::string> &fields)
{
	static const std::string kTag = "DISPLAY|";
	const size_t at = line.find(kTag);
	if (at == std::string::npos)
		return false;
	fields.assign(1, "");
	for (size_t i = at + kTag.size(); i < line.size(); ++i) {
		const char c = line[i];
		if (c == '\r' || c == '\n')
			break;
		if (c == '\\' && i + 1 < line.size()) {
			fields.back() += line[++i];
		} else if (c == '|') {
			fields.emplace_back();
		} else {
			fields.back() += c;
		}
	}
	return true;
}

SerialDisplay::SerialDisplay(SerialDisplayOptions o) : o_(std::move(o))
{
	if (!o_.transcript_path.empty()) {
		const int fd = ::open(o_.transcript_path.c_str(),
		                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0)
			log_ = ::fdopen(fd, "a");
	}
	open_device();
}

SerialDisplay::~SerialDisplay()
{
	close_device();
	if (log_)
		std::fclose(log_);
}

bool SerialDisplay::open_device()
{
	if (fd_ >= 0)
		return true;
	const int fd = ::open(o_.path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (!warned_)
			log_warn("display: cannot open " + o_.path + ": " + std::strerror(errno) +
			         " (trying again with the next screen)");
		warned_ = true;
		return false;
	}
	if (o_.configure_tty && ::isatty(fd)) {
		struct termios t {
		};
		if (::tcgetattr(fd, &t) == 0) {
			::cfmakeraw(&t);
			t.c_cflag |= CLOCAL | CREAD;
			t.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS | CSTOPB | PARENB);
			t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
			unsigned speed = 0;
			if (o_.baud && baud_constant(o_.baud, speed)) {
				::cfsetispeed(&t, static_cast<speed_t>(speed));
				::cfsetospeed(&t, static_cast<speed_t>(speed));
			}
			if (::tcsetattr(fd, TCSANOW, &t) != 0)
				log_warn("display: " + o_.path +
				         ": cannot set raw mode: " + std::strerror(errno));
		}
	}
	if (warned_)
		log_info("display: " + o_.path + " is open");
	warned_ = false;
	fd_ = fd;
	return true;
}

void SerialDisplay::close_device()
{
	if (fd_ < 0)
		return;
	if (listening_)
		fd_close(fd_);
	listening_ = false;
	::close(fd_);
	fd_ = -1;
}

void SerialDisplay::write_h(int, void *arg)
{
	static_cast<SerialDisplay *>(arg)->flush();
}

void SerialDisplay::flush()
{
	while (fd_ >= 0 && !out_.empty()) {
		const ssize_t n = ::write(fd_, out_.data(), out_.size());
		if (n > 0) {
			out_.erase(0, static_cast<size_t>(n));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!listening_ && fd_listen(fd_, FD_WRITE, write_h, this) == 0)
				listening_ = true;
			return;
		}
		// EIO, ENXIO, ...: the device went away. Open it again next frame.
		log_warn("display: " + o_.path + ": " +
		         (n < 0 ? std::strerror(errno) : "short write") + ", closing it");
		out_.clear();
		close_device();
		return;
	}
	if (listening_ && fd_ >= 0) {
		fd_close(fd_);
		listening_ = false;
	}
}

void SerialDisplay::draw()
{
	std::vector<std::string> screen;
	if (o_.ascii) {
		const std::string lang = i18n_language();
		std::vector<std::string> lines, keys;
		for (const auto &l : session_lines_)
			lines.push_back(to_ascii(l, lang));
		for (const auto &k : softkeys_)
			keys.push_back(to_ascii(k, lang));
		screen = layout_screen(lines, o_.lines, o_.columns, keys, kEllipsisAscii);
	} else {
		screen = layout_screen(session_lines_, o_.lines, o_.columns, softkeys_);
	}
	const bool changed = !have_last_ || screen != last_;
	if (changed) {
		last_ = screen;
		have_last_ = true;
		if (log_) {
			std::string joined;
			for (size_t i = 0; i < screen.size(); ++i)
				joined += (i ? " | " : "") + screen[i];
			std::fprintf(log_, "%s\n", joined.c_str());
			std::fflush(log_);
		}
	}
	const bool was_open = fd_ >= 0;
	if (!open_device())
		return;
	if (!changed && was_open)
		return; // a device (re)opened gets the whole screen again
	if (out_.size() > kMaxPending) {
		// The device is stuck: only the newest screen matters. Keep the
		// rest of the frame it is in the middle of, so no frame is cut.
		const size_t next = out_.find("\x1b[2J", 1);
		if (next != std::string::npos)
			out_.erase(next);
	}
	out_ += serial_frame(screen);
	flush();
}

void SerialDisplay::render(const std::vector<std::string> &lines)
{
	session_lines_ = lines;
	draw();
}

void SerialDisplay::set_softkeys(const std::vector<std::string> &labels)
{
	softkeys_ = labels;
	if (!session_lines_.empty())
		draw();
}

} // namespace hotdesk::platform
