// SPDX-License-Identifier: BSD-3-Clause
// Lamps through Linux's LED class: /sys/class/leds/<name>/brightness.
// On writes 255 (the kernel caps it at the LED's max_brightness), off 0;
// blinking sets the LED's trigger to "timer" (ledtrig-timer) and falls back
// to on where the kernel has no timer trigger. Each lamp is written only
// when its state changes. The root directory is an option so tests lay out
// a temporary directory like /sys/class/leds.
#pragma once

#include "../led_sink.h"

#include <map>
#include <set>
#include <string>

namespace hotdesk::platform
{

class SysfsLeds : public LedSink
{
public:
	// lamps: board lamp name -> LED class device name (Board::leds).
	explicit SysfsLeds(std::map<std::string, std::string> lamps,
	                   std::string root = "/sys/class/leds");

	void set(const std::string &lamp, Lamp state) override;
	bool has(const std::string &lamp) const override { return lamps_.count(lamp) != 0; }

	// Lamps whose LED is missing (for the log and the status endpoint).
	std::set<std::string> broken() const { return broken_; }

private:
	bool write_attr(const std::string &led, const char *attr, const std::string &value);

	std::map<std::string, std::string> lamps_;
	std::string root_;
	std::map<std::string, Lamp> state_;
	std::set<std::string> broken_;
	int errno_ = 0;
};

} // namespace hotdesk::platform
