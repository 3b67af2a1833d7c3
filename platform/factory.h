// SPDX-License-Identifier: BSD-3-Clause
// Chooses the platform backends for a board. The board's data names them
// (board.conf `keys`, `display`, `led`); main() only asks this factory.
#pragma once

#include "../agent/core/board.h"
#include "../agent/core/error.h"
#include "display/display.h"
#include "keys/key_source.h"
#include "leds/led_sink.h"

#include <memory>
#include <string>

namespace hotdesk::platform
{

struct PlatformOptions {
	std::string key_socket;  // scripted keys (every board; "" for none)
	std::string display_log; // transcript of every frame (tests, demo)
	bool tty = false;        // use the controlling terminal (host board)
	// Where the Linux backends look; tests point them at temporary dirs.
	std::string input_dir = "/dev/input";
	std::string input_sys_dir = "/sys/class/input";
	unsigned input_rescan_ms = 3000;
	std::string led_dir = "/sys/class/leds";
};

// keys host: the terminal and the key socket. keys evdev: the board's input
// devices, and the key socket too when key_socket is set (harnesses).
Expected<std::unique_ptr<KeySource>> make_key_source(const Board &b, const PlatformOptions &o);
// display host: terminal + transcript. serial / chardev: the board's
// display_path, and the transcript too when display_log is set.
Expected<std::unique_ptr<Display>> make_display(const Board &b, const PlatformOptions &o);
// The board's lamps (LED class); a board without `led` lines gets lamps
// that are all absent (has() is false, set() does nothing).
Expected<std::unique_ptr<LedSink>> make_leds(const Board &b, const PlatformOptions &o);

} // namespace hotdesk::platform
