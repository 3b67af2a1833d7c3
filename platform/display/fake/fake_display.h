// SPDX-License-Identifier: BSD-3-Clause
#pragma once

#include "../display.h"

namespace hotdesk::platform
{

// Remembers every frame, for unit tests.
class FakeDisplay : public Display
{
public:
	void render(const std::vector<std::string> &lines) override { frames.push_back(lines); }
	std::vector<std::vector<std::string>> frames;
};

} // namespace hotdesk::platform
