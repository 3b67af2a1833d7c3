// SPDX-License-Identifier: BSD-3-Clause
#include "board.h"

#include "kv_reader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hotdesk
{

namespace
{

struct CodeEntry {
	const char *name;
	InputType type;
	int code;
};

#define X(n, v) {#n, InputType::Key, v},
#define S(n, v) {#n, InputType::Switch, v},
const CodeEntry kCodes[] = {
#include "linux_input_codes.inc"
};
#undef X
#undef S

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

using Line = KvLine;

class Parser
{
public:
	explicit Parser(std::string origin) : origin_(std::move(origin)) {}
	Expected<Board> run(const std::string &text);

private:
	Error at(unsigned line, const std::string &what) const
	{
		return kv_error(origin_, line, what);
	}
	Status number(const Line &l, unsigned lo, unsigned hi, unsigned &out) const;
	Status setting(const Line &l);
	Status key_line(const Line &l);
	Status hook_line(const Line &l);
	Status led_line(const Line &l);
	Status finish();

	std::string origin_;
	Board b_;
	std::map<std::string, unsigned> seen_;     // scalar setting -> line
	std::map<int, unsigned> code_line_;        // EV_KEY code -> line
	std::map<std::string, unsigned> tok_line_; // terminal input -> line
	std::map<std::string, unsigned> led_line_; // logical -> line
	std::map<std::string, unsigned> led_name_line_;
	struct Mapped {
		unsigned line;
		Key key;
		std::string text; // the key line's value
	};
	std::vector<Mapped> keys_;                              // every mapped key, in file order
	std::vector<std::pair<unsigned, std::string>> led_blf_; // line, "blfN"
	std::vector<unsigned> code_lines_, tok_lines_; // lines with KEY_ codes / terminal inputs
	std::vector<unsigned> input_lines_;            // input / input_name lines
	std::map<std::string, unsigned> input_line_;   // "input <path>" -> line
};

Status Parser::number(const Line &l, unsigned lo, unsigned hi, unsigned &out) const
{
	const std::string &s = l.value;
	const std::string range =
	    l.key + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi);
	if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
		return at(l.line, range + ", not '" + s + "'");
	const unsigned long v = std::stoul(s);
	if (v < lo || v > hi)
		return at(l.line, range + ", not '" + s + "'");
	out = static_cast<unsigned>(v);
	return Ok{};
}

bool valid_board_name(const std::string &s)
{
	if (s.empty() || s.size() > 63)
		return false;
	return std::all_of(s.begin(), s.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '-' || c == '_' || c == '.';
	});
}

bool has_space(const std::string &s)
{
	return std::any_of(s.begin(), s.end(), is_space);
}

bool is_code_name(const std::string &s)
{
	return s.rfind("KEY_", 0) == 0 || s.rfind("BTN_", 0) == 0 || s.rfind("SW_", 0) == 0;
}

bool valid_terminal_input(const std::string &s)
{
	if (s == "enter" || s == "esc" || s == "backspace")
		return true;
	return s.size() == 1 && s[0] > 0x20 && s[0] < 0x7f;
}

Status Parser::setting(const Line &l)
{
	static const char *const kScalar[] = {"name",           "display_lines", "display_columns",
	                                      "blf_keys",       "blf_pages",     "softkeys",
	                                      "keys",           "display",       "display_path",
	                                      "display_baud",   "hook_switch",   "dial_terminator",
	                                      "display_charset"};
	static const char *const kRepeated[] = {"key", "led", "input", "input_name"};
	const bool scalar =
	    std::find_if(std::begin(kScalar), std::end(kScalar),
	                 [&](const char *n) { return l.key == n; }) != std::end(kScalar);
	const bool repeated =
	    std::find_if(std::begin(kRepeated), std::end(kRepeated),
	                 [&](const char *n) { return l.key == n; }) != std::end(kRepeated);
	if (!scalar && !repeated)
		return at(l.line, "unknown setting '" + l.key + "'");
	if (l.value.empty())
		return at(l.line, "'" + l.key + "' needs a value");
	if (scalar) {
		auto [it, fresh] = seen_.emplace(l.key, l.line);
		if (!fresh)
			return at(l.line, "'" + l.key + "' is set twice (first on line " +
			                      std::to_string(it->second) + ")");
	}

	if (l.key == "name") {
		if (!valid_board_name(l.value))
			return at(l.line, "name '" + l.value + "': want 1-63 of a-z A-Z 0-9 . _ -");
		b_.name = l.value;
		return Ok{};
	}
	if (l.key == "display_lines")
		return number(l, 1, 16, b_.display_lines);
	if (l.key == "display_columns")
		return number(l, 8, 80, b_.display_columns);
	if (l.key == "blf_keys")
		return number(l, 0, 64, b_.blf_keys);
	if (l.key == "blf_pages")
		return number(l, 1, 8, b_.blf_pages);
	if (l.key == "softkeys")
		return number(l, 0, 16, b_.softkeys);
	if (l.key == "keys") {
		if (l.value == "host")
			b_.keys = KeysBackend::Host;
		else if (l.value == "evdev")
			b_.keys = KeysBackend::Evdev;
		else
			return at(l.line,
			          "unknown keys backend '" + l.value + "' (want host or evdev)");
		return Ok{};
	}
	if (l.key == "display") {
		if (l.value == "host")
			b_.display = DisplayBackend::Host;
		else if (l.value == "serial")
			b_.display = DisplayBackend::Serial;
		else if (l.value == "chardev")
			b_.display = DisplayBackend::Chardev;
		else
			return at(l.line, "unknown display backend '" + l.value +
			                      "' (want host, serial or chardev)");
		return Ok{};
	}
	if (l.key == "display_charset") {
		if (l.value == "utf-8")
			b_.display_charset = DisplayCharset::Utf8;
		else if (l.value == "ascii")
			b_.display_charset = DisplayCharset::Ascii;
		else
			return at(l.line, "display_charset '" + l.value + "': want utf-8 or ascii");
		return Ok{};
	}
	if (l.key == "dial_terminator") {
		auto t = parse_dial_terminator(l.value);
		if (!t)
			return at(l.line, "dial_terminator '" + l.value + "': want hash or none");
		b_.dial_terminator = *t;
		return Ok{};
	}
	if (l.key == "display_path") {
		if (l.value[0] != '/' || has_space(l.value))
			return at(l.line, "display_path '" + l.value + "': want an absolute path");
		b_.display_path = l.value;
		return Ok{};
	}
	if (l.key == "display_baud") {
		static const unsigned kBauds[] = {1200,  2400,   4800,   9600,   19200, 38400,
		                                  57600, 115200, 230400, 460800, 921600};
		unsigned v = 0;
		if (auto s = number(l, 1200, 921600, v); !s)
			return s;
		if (std::find(std::begin(kBauds), std::end(kBauds), v) == std::end(kBauds))
			return at(l.line, "display_baud " + l.value +
			                      ": want 1200, 2400, 4800, 9600, 19200, 38400, 57600, "
			                      "115200, 230400, 460800 or 921600");
		b_.display_baud = v;
		return Ok{};
	}
	if (l.key == "input" || l.key == "input_name") {
		auto [it, fresh] = input_line_.emplace(l.key + " " + l.value, l.line);
		if (!fresh)
			return at(l.line, "'" + l.key + " " + l.value +
			                      "' is listed twice (first on line " +
			                      std::to_string(it->second) + ")");
	}
	if (l.key == "input") {
		if (l.value[0] != '/' || has_space(l.value))
			return at(l.line, "input '" + l.value + "': want an absolute device path");
		b_.inputs.push_back(l.value);
		input_lines_.push_back(l.line);
		return Ok{};
	}
	if (l.key == "input_name") {
		if (l.value.size() > 255)
			return at(l.line, "input_name is longer than 255 characters");
		b_.input_names.push_back(l.value);
		input_lines_.push_back(l.line);
		return Ok{};
	}
	if (l.key == "key")
		return key_line(l);
	if (l.key == "hook_switch")
		return hook_line(l);
	return led_line(l);
}

Status Parser::key_line(const Line &l)
{
	const std::string where = "'key " + l.value + "': ";
	const size_t eq = l.value.find('=', 1); // "key ==send" maps the '=' character
	const std::string input = eq == std::string::npos ? "" : l.value.substr(0, eq);
	const std::string logical = eq == std::string::npos ? "" : l.value.substr(eq + 1);
	if (input.empty() || logical.empty() || has_space(l.value))
		return at(l.line, where + "want 'key <input>=<logical key>'");
	auto k = parse_key_name(logical);
	if (!k)
		return at(l.line, where + k.error().what);
	if (is_code_name(input)) {
		auto c = input_code(input);
		if (!c)
			return at(l.line, where + "unknown key name '" + input + "'");
		if (c->type != InputType::Key)
			return at(l.line,
			          where + input + " is a switch: only hook_switch takes one");
		auto [it, fresh] = code_line_.emplace(c->code, l.line);
		if (!fresh)
			return at(l.line, where + "duplicate code: " + input + " (" +
			                      std::to_string(c->code) +
			                      ") is already mapped on line " +
			                      std::to_string(it->second));
		b_.key_codes[c->code] = *k;
		code_lines_.push_back(l.line);
	} else {
		if (!valid_terminal_input(input))
			return at(l.line, where + "unknown input '" + input +
			                      "' (want a KEY_/BTN_ name, one character, enter, esc "
			                      "or backspace)");
		auto [it, fresh] = tok_line_.emplace(input, l.line);
		if (!fresh)
			return at(l.line, where + "input '" + input +
			                      "' mapped twice (first on line " +
			                      std::to_string(it->second) + ")");
		b_.keymap[input] = *k;
		tok_lines_.push_back(l.line);
	}
	keys_.push_back(Mapped{l.line, *k, l.value});
	return Ok{};
}

Status Parser::hook_line(const Line &l)
{
	const std::string where = "'hook_switch " + l.value + "': ";
	std::istringstream in(l.value);
	std::string name, flag, extra;
	in >> name >> flag >> extra;
	if (!extra.empty() || (!flag.empty() && flag != "inverted"))
		return at(l.line, where + "want 'hook_switch <KEY_|BTN_|SW_ name> [inverted]'");
	auto c = is_code_name(name) ? input_code(name) : std::nullopt;
	if (!c)
		return at(l.line, where + "unknown key name '" + name + "'");
	if (c->type == InputType::Key) {
		auto [it, fresh] = code_line_.emplace(c->code, l.line);
		if (!fresh)
			return at(l.line, where + "duplicate code: " + name +
			                      " is already mapped on line " +
			                      std::to_string(it->second));
	}
	b_.hook.input = *c;
	b_.hook.inverted = flag == "inverted";
	return Ok{};
}

Status Parser::led_line(const Line &l)
{
	const std::string where = "'led " + l.value + "': ";
	const size_t eq = l.value.find('=');
	const std::string logical = eq == std::string::npos ? "" : l.value.substr(0, eq);
	const std::string led = eq == std::string::npos ? "" : l.value.substr(eq + 1);
	if (logical.empty() || led.empty() || has_space(l.value))
		return at(l.line, where + "want 'led <blfN|mwi>=<LED class name>'");
	if (logical != "mwi") {
		auto k = parse_key_name(logical);
		if (!k || k->kind != KeyKind::Blf)
			return at(l.line, where + "unknown lamp '" + logical +
			                      "' (want blf1..blf64 or mwi)");
		led_blf_.emplace_back(l.line, logical);
	}
	if (led == "." || led == ".." || led.find('/') != std::string::npos || led.size() > 255)
		return at(l.line, where + "'" + led + "' is not an LED class name (no '/')");
	auto [it, fresh] = led_line_.emplace(logical, l.line);
	if (!fresh)
		return at(l.line, where + "lamp '" + logical + "' is set twice (first on line " +
		                      std::to_string(it->second) + ")");
	auto [nit, nfresh] = led_name_line_.emplace(led, l.line);
	if (!nfresh)
		return at(l.line, where + "LED '" + led + "' is already used on line " +
		                      std::to_string(nit->second));
	b_.leds[logical] = led;
	return Ok{};
}

Status Parser::finish()
{
	if (b_.name.empty())
		return make_error(origin_, "missing 'name' line: every board needs a name");
	for (const Mapped &m : keys_) {
		const Key &k = m.key;
		if (k.kind == KeyKind::Blf && k.index > static_cast<int>(b_.blf_keys))
			return at(m.line, "'key " + m.text + "': " + key_name(k) +
			                      " is beyond blf_keys (the board has " +
			                      std::to_string(b_.blf_keys) + " BLF keys)");
		if (k.kind == KeyKind::Softkey && k.index > static_cast<int>(b_.softkeys))
			return at(m.line, "'key " + m.text + "': " + key_name(k) +
			                      " is beyond softkeys (the board has " +
			                      std::to_string(b_.softkeys) + " softkeys)");
	}
	for (const auto &[line, logical] : led_blf_) {
		auto k = parse_key_name(logical);
		if (k && k->index > static_cast<int>(b_.blf_keys))
			return at(line, "lamp " + logical + " is beyond blf_keys (the board has " +
			                    std::to_string(b_.blf_keys) + " BLF keys)");
	}
	if (b_.blf_pages > 1) {
		const bool page_key = std::any_of(keys_.begin(), keys_.end(), [](const Mapped &m) {
			return m.key.kind == KeyKind::Page;
		});
		if (!page_key && b_.keys == KeysBackend::Evdev) // the host socket has {page}
			return at(seen_["blf_pages"],
			          "blf_pages " + std::to_string(b_.blf_pages) +
			              " needs a key mapped to 'page' to reach the other pages");
		if (b_.blf_keys == 0)
			return at(seen_["blf_pages"], "blf_pages without blf_keys");
	}

	const unsigned keys_at = seen_.count("keys") ? seen_["keys"] : 0;
	if (b_.keys == KeysBackend::Evdev) {
		if (!tok_lines_.empty())
			return at(tok_lines_.front(),
			          "terminal inputs are for 'keys host'; 'keys evdev' on line " +
			              std::to_string(keys_at) + " maps KEY_ codes");
		if (b_.inputs.empty() && b_.input_names.empty())
			return at(keys_at, "'keys evdev' needs an 'input' or 'input_name' line");
		std::string missing;
		auto want = [&](const Key &k) {
			for (const auto &kv : b_.key_codes)
				if (kv.second == k)
					return;
			missing += (missing.empty() ? "" : ", ") + key_name(k);
		};
		for (char c = '0'; c <= '9'; ++c)
			want(Key::dig(c));
		want(Key::of(KeyKind::Star));
		want(Key::of(KeyKind::Hash));
		if (!missing.empty())
			return at(keys_at,
			          "missing required key: 'keys evdev' needs 0-9, * and # mapped; "
			          "no key line maps " +
			              missing);
	} else {
		if (!code_lines_.empty())
			return at(code_lines_.front(),
			          "KEY_ codes are for 'keys evdev' (this board's keys "
			          "are host)");
		if (!input_lines_.empty())
			return at(input_lines_.front(),
			          "input and input_name are for 'keys evdev'");
		if (b_.hook.present())
			return at(seen_["hook_switch"], "hook_switch is for 'keys evdev'");
	}

	if (b_.display == DisplayBackend::Host) {
		if (!b_.display_path.empty())
			return at(seen_["display_path"],
			          "display_path is for 'display serial' or 'display chardev'");
	} else if (b_.display_path.empty()) {
		return at(seen_["display"], std::string("'display ") +
		                                display_backend_name(b_.display) +
		                                "' needs a display_path");
	}
	if (b_.display_baud && b_.display != DisplayBackend::Serial)
		return at(seen_["display_baud"], "display_baud is for 'display serial'");
	return Ok{};
}

Expected<Board> Parser::run(const std::string &text)
{
	for (const Line &l : kv_parse(text))
		if (auto s = setting(l); !s)
			return s.error();
	if (auto s = finish(); !s)
		return s.error();
	return b_;
}

} // namespace

const char *keys_backend_name(KeysBackend b)
{
	switch (b) {
	case KeysBackend::Host:
		return "host";
	case KeysBackend::Evdev:
		return "evdev";
	}
	return "?";
}

const char *display_backend_name(DisplayBackend b)
{
	switch (b) {
	case DisplayBackend::Host:
		return "host";
	case DisplayBackend::Serial:
		return "serial";
	case DisplayBackend::Chardev:
		return "chardev";
	}
	return "?";
}

std::optional<InputCode> input_code(std::string_view name)
{
	for (const auto &e : kCodes)
		if (name == e.name)
			return InputCode{e.type, e.code};
	return std::nullopt;
}

std::string input_code_name(const InputCode &c)
{
	for (const auto &e : kCodes)
		if (e.type == c.type && e.code == c.code)
			return e.name;
	return std::string(c.type == InputType::Key ? "KEY_#" : "SW_#") + std::to_string(c.code);
}

Expected<Board> board_parse(const std::string &text, const std::string &origin)
{
	return Parser(origin).run(text);
}

Expected<Board> board_load(const std::string &dir)
{
	const std::string path = dir + "/board.conf";
	std::ifstream in(path);
	if (!in)
		return make_error("board", "cannot open " + path);
	std::stringstream ss;
	ss << in.rdbuf();
	if (ss.str().size() > 256 * 1024)
		return make_error(path, "board file larger than 256 KiB");
	return board_parse(ss.str(), path);
}

} // namespace hotdesk
