// SPDX-License-Identifier: BSD-3-Clause
// A board is data, not code: boards/<name>/board.conf, one "name value"
// setting a line, '#' starts a comment. Every error names its line.
// The format, every setting and the errors: docs/boards.md.
#pragma once

#include "blf_layout.h"
#include "dial_plan.h"
#include "error.h"
#include "key.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

enum class KeysBackend { Host, Evdev };
enum class DisplayBackend { Host, Serial, Chardev };
// What the display's controller takes: UTF-8, or 7-bit ASCII only (then
// every text is transliterated, platform/i18n/transliterate.h).
enum class DisplayCharset { Utf8, Ascii };
const char *keys_backend_name(KeysBackend b);
const char *display_backend_name(DisplayBackend b);

// Linux input codes by name, from agent/core/linux_input_codes.inc (the
// kernel's numbers; agent/ includes no Linux header).
enum class InputType { Key, Switch }; // EV_KEY (KEY_*, BTN_*), EV_SW (SW_*)
struct InputCode {
	InputType type = InputType::Key;
	int code = -1;
	bool operator==(const InputCode &o) const { return type == o.type && code == o.code; }
};
std::optional<InputCode> input_code(std::string_view name);
std::string input_code_name(const InputCode &c); // "KEY_1", or "KEY_#300" if unnamed

struct HookSwitch {
	InputCode input;       // code < 0: the board has no hook switch
	bool inverted = false; // false: down/on (value 1) = handset lifted
	bool present() const { return input.code >= 0; }
};

struct Board {
	std::string name;
	unsigned display_lines = 2;
	unsigned display_columns = 24;
	unsigned blf_keys = 0;
	unsigned blf_pages = 1;
	unsigned softkeys = 0;

	KeysBackend keys = KeysBackend::Host;
	std::vector<std::string> inputs;      // evdev: device paths
	std::vector<std::string> input_names; // evdev: devices found by name (shell glob)

	DisplayBackend display = DisplayBackend::Host;
	std::string display_path;  // serial, chardev
	unsigned display_baud = 0; // serial: 0 leaves the line's speed alone
	DisplayCharset display_charset = DisplayCharset::Utf8; // display_charset utf-8 | ascii

	// host: terminal input ("l", "enter", "esc", "backspace") -> logical key.
	// Digits, '*' and '#' are keys of their own there without a line.
	std::map<std::string, Key> keymap;
	// evdev: EV_KEY code -> logical key.
	std::map<int, Key> key_codes;
	HookSwitch hook;
	// "blf1".."blfN", "mwi" -> LED class device (/sys/class/leds/<name>).
	std::map<std::string, std::string> leds;
	// dial_terminator hash | none: what '#' does while a number is typed, as
	// the keypad is labelled; a device or user profile may override it.
	DialTerminator dial_terminator = DialTerminator::Hash;

	KeyGeometry key_geometry() const { return KeyGeometry{blf_keys, blf_pages, softkeys}; }
};

// `origin` prefixes errors: "<origin>:<line>: <problem>".
Expected<Board> board_parse(const std::string &text, const std::string &origin = "board");
// Reads <dir>/board.conf; errors name the file and line.
Expected<Board> board_load(const std::string &dir);

} // namespace hotdesk
