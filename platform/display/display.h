// SPDX-License-Identifier: BSD-3-Clause
// The phone's text display. Implementations: host/ (terminal, plus an
// append-only transcript file for tests and the demo), serial/ (a serial
// line or character device: front-panel controllers, QEMU's virtio
// console), fake/ (unit tests). Laying text out: text_layout.h.
#pragma once

#include <string>
#include <vector>

namespace hotdesk::platform
{

class Display
{
public:
	virtual ~Display() = default;
	virtual void render(const std::vector<std::string> &lines) = 0;
	// Labels of the softkeys under the display (one per softkey, "" for
	// none), shown on displays with room for them. Default: not shown.
	virtual void set_softkeys(const std::vector<std::string> &labels) { (void)labels; }
	// Text lines the display shows (0: not known). Owners that add an
	// optional line (the BLF states) add it only where it has room.
	virtual unsigned lines() const { return 0; }
};

} // namespace hotdesk::platform
