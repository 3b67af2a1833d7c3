// SPDX-License-Identifier: BSD-3-Clause
// Logical keys of a desk phone. Boards map their physical keys (Linux KEY_*
// codes, terminal characters) onto these; the core only ever sees these.
#pragma once

#include "error.h"

#include <string>
#include <string_view>

namespace hotdesk
{

enum class KeyKind {
	Digit,
	Star,
	Hash,
	Send,
	Cancel,
	Blf,
	Softkey,
	HookOff, // handset lifted (from a hook switch or a key)
	HookOn,  // handset put back
	Headset, // headset key (toggles the headset)
	Up,      // navigation
	Down,
	Left,
	Right,
	Ok,
	Page, // next page of BLF keys
};

struct Key {
	KeyKind kind = KeyKind::Digit;
	char digit = 0; // for Digit: '0'..'9'
	int index = 0;  // for Blf/Softkey: 1-based

	static Key dig(char c) { return Key{KeyKind::Digit, c, 0}; }
	static Key of(KeyKind k, int idx = 0) { return Key{k, 0, idx}; }
	bool operator==(const Key &o) const
	{
		return kind == o.kind && digit == o.digit && index == o.index;
	}
	bool operator!=(const Key &o) const { return !(*this == o); }
};

// "0".."9", "*", "#", "send", "cancel", "blf1".."blf64", "soft1".."soft16",
// "hook_off", "hook_on", "headset", "up", "down", "left", "right", "ok", "page".
Expected<Key> parse_key_name(std::string_view name);
std::string key_name(const Key &k);

// Whether holding the key down repeats it: only the arrows do. Dial keys,
// BLF keys, softkeys and the hook never repeat (a held digit is one digit).
bool key_repeats(const Key &k);

} // namespace hotdesk
