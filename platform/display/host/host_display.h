// SPDX-License-Identifier: BSD-3-Clause
// Display for the host board: draws the phone's screen in the terminal when
// `tty` is on, and appends every new frame to a transcript file (one line
// per frame, lines joined by " | ") that tests and the demo read.
//
// On the terminal the screen is a box redrawn in place at the top left
// (ANSI/ECMA-48 cursor home, erase in line), like a phone's display rather
// than a scrolling log; the terminal is cleared once, at the first frame.
// Rows below the box are left alone (scripts/demo.py writes its own there).
#pragma once

#include "../display.h"

#include <cstdio>
#include <string>

namespace hotdesk::platform
{

class HostDisplay : public Display
{
public:
	// ascii: the board's display_charset ascii (platform/i18n/transliterate.h).
	HostDisplay(unsigned lines, unsigned columns, std::string transcript_path, bool tty,
	            bool ascii = false);
	~HostDisplay() override;
	void render(const std::vector<std::string> &lines) override;
	unsigned lines() const override { return lines_; }

private:
	unsigned lines_, columns_;
	std::string path_;
	bool tty_;
	bool ascii_;
	bool drawn_ = false;
	std::FILE *log_ = nullptr;
	std::string last_;
};

// Cut a UTF-8 string to at most `columns` code points without splitting one.
std::string fit_utf8(const std::string &s, unsigned columns);

// The bytes that draw `lines` (each at most `columns` cells) as a box of
// lines + 2 rows and columns + 4 cells at the terminal's top left, in place:
// cursor home, each row erased to its end, the cursor left on the row below
// the box. `first` also clears the whole terminal. Control characters in the
// text are blanked (a peer's display name must not reach the terminal as an
// escape sequence).
std::string terminal_frame(const std::vector<std::string> &lines, unsigned columns, bool first);

} // namespace hotdesk::platform
