// SPDX-License-Identifier: BSD-3-Clause
// The phone's lamps: the BLF keys' lamps ("blf1".."blfN") and the
// message-waiting lamp ("mwi"), named as in the board's `led` lines.
// Implementations: sysfs/ (Linux LED class), fake/ (unit tests).
#pragma once

#include "../../agent/core/blf_layout.h"

#include <string>

namespace hotdesk::platform
{

class LedSink
{
public:
	virtual ~LedSink() = default;
	// Sets a lamp; a lamp the board does not have is ignored.
	virtual void set(const std::string &lamp, Lamp state) = 0;
	virtual bool has(const std::string &lamp) const = 0;
};

// Shows the BLF page on the board's BLF lamps: each key's monitored
// extension (off idle, on busy, blinking while it rings); the logout key
// and empty keys are off.
inline void show_blf_lamps(const KeyLayout &layout, unsigned blf_keys, LedSink &leds)
{
	for (unsigned k = 1; k <= blf_keys; ++k)
		leds.set("blf" + std::to_string(k), layout.lamp(k));
}

} // namespace hotdesk::platform
