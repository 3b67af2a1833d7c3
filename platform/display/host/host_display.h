// SPDX-License-Identifier: BSD-3-Clause
// Display for the host board: draws the phone's screen in the terminal when
// stdout is a TTY, and appends every new frame to a transcript file (one line
// per frame, lines joined by " | ") that tests and the demo read.
#pragma once

#include "../display.h"

#include <cstdio>
#include <string>

namespace hotdesk::platform
{

class HostDisplay : public Display
{
public:
	HostDisplay(unsigned lines, unsigned columns, std::string transcript_path, bool tty);
	~HostDisplay() override;
	void render(const std::vector<std::string> &lines) override;

private:
	unsigned lines_, columns_;
	std::string path_;
	bool tty_;
	std::FILE *log_ = nullptr;
	std::string last_;
};

// Cut a UTF-8 string to at most `columns` code points without splitting one.
std::string fit_utf8(const std::string &s, unsigned columns);

} // namespace hotdesk::platform
