// SPDX-License-Identifier: BSD-3-Clause
#include "key.h"

namespace hotdesk
{

namespace
{

Expected<int> parse_index(std::string_view digits, int max)
{
	if (digits.empty() || digits.size() > 2)
		return make_error("key", "bad key index");
	int v = 0;
	for (char c : digits) {
		if (c < '0' || c > '9')
			return make_error("key", "bad key index");
		v = v * 10 + (c - '0');
	}
	if (v < 1 || v > max)
		return make_error("key", "key index out of range");
	return v;
}

} // namespace

Expected<Key> parse_key_name(std::string_view n)
{
	if (n.size() == 1 && n[0] >= '0' && n[0] <= '9')
		return Key::dig(n[0]);
	if (n == "*")
		return Key::of(KeyKind::Star);
	if (n == "#")
		return Key::of(KeyKind::Hash);
	if (n == "send")
		return Key::of(KeyKind::Send);
	if (n == "cancel")
		return Key::of(KeyKind::Cancel);
	static const struct {
		const char *name;
		KeyKind kind;
	} kNamed[] = {
	    {"hook_off", KeyKind::HookOff}, {"hook_on", KeyKind::HookOn},
	    {"headset", KeyKind::Headset},  {"up", KeyKind::Up},
	    {"down", KeyKind::Down},        {"left", KeyKind::Left},
	    {"right", KeyKind::Right},      {"ok", KeyKind::Ok},
	    {"page", KeyKind::Page},
	};
	for (const auto &e : kNamed)
		if (n == e.name)
			return Key::of(e.kind);
	if (n.substr(0, 3) == "blf") {
		auto i = parse_index(n.substr(3), 64);
		if (!i)
			return make_error("key", "unknown key name '" + std::string(n) + "'");
		return Key::of(KeyKind::Blf, *i);
	}
	if (n.substr(0, 4) == "soft") {
		auto i = parse_index(n.substr(4), 16);
		if (!i)
			return make_error("key", "unknown key name '" + std::string(n) + "'");
		return Key::of(KeyKind::Softkey, *i);
	}
	return make_error("key", "unknown key name '" + std::string(n) + "'");
}

std::string key_name(const Key &k)
{
	switch (k.kind) {
	case KeyKind::Digit:
		return std::string(1, k.digit);
	case KeyKind::Star:
		return "*";
	case KeyKind::Hash:
		return "#";
	case KeyKind::Send:
		return "send";
	case KeyKind::Cancel:
		return "cancel";
	case KeyKind::Blf:
		return "blf" + std::to_string(k.index);
	case KeyKind::Softkey:
		return "soft" + std::to_string(k.index);
	case KeyKind::HookOff:
		return "hook_off";
	case KeyKind::HookOn:
		return "hook_on";
	case KeyKind::Headset:
		return "headset";
	case KeyKind::Up:
		return "up";
	case KeyKind::Down:
		return "down";
	case KeyKind::Left:
		return "left";
	case KeyKind::Right:
		return "right";
	case KeyKind::Ok:
		return "ok";
	case KeyKind::Page:
		return "page";
	}
	return "?";
}

bool key_repeats(const Key &k)
{
	return k.kind == KeyKind::Up || k.kind == KeyKind::Down || k.kind == KeyKind::Left ||
	       k.kind == KeyKind::Right;
}

} // namespace hotdesk
