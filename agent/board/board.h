// A board is data, not code: boards/<name>/board.conf in baresip's
// "key value" style, read with libre's conf. See boards/host/board.conf.
#pragma once

#include "../core/error.h"
#include "../core/key.h"

#include <map>
#include <string>

namespace hotdesk {

struct Board {
	std::string name;
	unsigned display_lines = 2;
	unsigned display_columns = 24;
	unsigned blf_keys = 0;
	// Input token (terminal character, "enter", "esc", ...) -> logical key.
	std::map<std::string, Key> keymap;
};

Expected<Board> board_parse(const std::string &text);
Expected<Board> board_load(const std::string &dir);

} // namespace hotdesk
