// The phone's text display. Implementations: host/ (terminal, plus an
// append-only transcript file for tests and the demo), fake/ (unit tests).
#pragma once

#include <string>
#include <vector>

namespace hotdesk::platform {

class Display {
public:
	virtual ~Display() = default;
	virtual void render(const std::vector<std::string> &lines) = 0;
};

} // namespace hotdesk::platform
