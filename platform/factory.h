// Chooses the platform backends for a board. The board's data names them
// (board.conf `keys` and `display`); main() only asks this factory.
#pragma once

#include "../agent/board/board.h"
#include "../agent/core/error.h"
#include "display/display.h"
#include "keys/key_source.h"

#include <memory>
#include <string>

namespace hotdesk::platform {

struct PlatformOptions {
	std::string key_socket;  // scripted keys (host board, tests)
	std::string display_log; // transcript of every frame (tests, demo)
	bool tty = false;        // use the controlling terminal
};

Expected<std::unique_ptr<KeySource>> make_key_source(const Board &b, const PlatformOptions &o);
Expected<std::unique_ptr<Display>> make_display(const Board &b, const PlatformOptions &o);

} // namespace hotdesk::platform
