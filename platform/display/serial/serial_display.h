// SPDX-License-Identifier: BSD-3-Clause
// A display behind a serial line or a character device: a phone's
// front-panel controller on a UART, QEMU's virtio console (/dev/hvc0), a pty.
//
// Each new screen is written as
//   ESC[2J ESC[H                     clear the screen, cursor home
//   <line 1> CR LF ... <line N> CR LF  the lines, shortened to fit
//   DISPLAY|<line 1>|...|<line N> CR LF  the same, one machine-readable line
// In the DISPLAY line '\' is written "\\" and '|' "\|"; there are always
// display_lines fields. A host harness reading the serial log parses that.
//
// `serial`: when the device is a tty it is put in raw mode (no echo, no
// output processing, 8N1, no flow control) at `baud` (0 keeps the speed).
// `chardev`: written as it is, no termios.
// Writes never block the event loop: what the device does not take now is
// sent when it is writable (fd_listen); if it stops taking anything, old
// frames are dropped for the newest one. A device that is missing or goes
// away is opened again on the next frame.
#pragma once

#include "../display.h"

#include <cstdio>
#include <string>
#include <vector>

namespace hotdesk::platform
{

struct SerialDisplayOptions {
	std::string path; // /dev/ttyS2, /dev/hvc0, a pty
	unsigned lines = 2, columns = 24;
	bool configure_tty = true;   // serial: raw mode + baud when a tty
	unsigned baud = 0;           // 0: keep the line's speed
	std::string transcript_path; // optional: the same frames as HostDisplay's log
	// A controller that takes only ASCII (board display_charset ascii): every
	// text transliterated (platform/i18n/transliterate.h), "..." for "…".
	bool ascii = false;
};

class SerialDisplay : public Display
{
public:
	explicit SerialDisplay(SerialDisplayOptions o);
	~SerialDisplay() override;
	SerialDisplay(const SerialDisplay &) = delete;
	SerialDisplay &operator=(const SerialDisplay &) = delete;

	void render(const std::vector<std::string> &lines) override;
	// Without the softkey row when it is shown (layout_screen()).
	unsigned lines() const override
	{
		bool labels = false;
		for (const auto &l : softkeys_)
			labels = labels || !l.empty();
		return o_.lines >= 3 && labels ? o_.lines - 1 : o_.lines;
	}
	void set_softkeys(const std::vector<std::string> &labels) override;

	bool is_open() const { return fd_ >= 0; }
	size_t pending() const { return out_.size(); }

private:
	bool open_device();
	void close_device();
	void flush();
	void draw();
	static void write_h(int flags, void *arg);

	SerialDisplayOptions o_;
	int fd_ = -1;
	bool listening_ = false;
	bool warned_ = false;
	std::string out_; // bytes not yet taken by the device
	std::vector<std::string> session_lines_, softkeys_, last_;
	bool have_last_ = false;
	std::FILE *log_ = nullptr;
};

// The frame bytes for one screen (exposed for tests and harnesses).
std::string serial_frame(const std::vector<std::string> &screen);
// Parses a "DISPLAY|..." line back into its fields; false if it is not one.
bool parse_display_line(const std::string &line, std::vector<std::string> &fields);

// termios speed constant for a baud rate; false when unsupported.
bool baud_constant(unsigned baud, unsigned &speed);

} // namespace hotdesk::platform
