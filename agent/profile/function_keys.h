// SPDX-License-Identifier: BSD-3-Clause
// <functionKeys> of a Snom-style profile (docs/profile.md): the BLF keys.
// Keys are decoration: an entry that cannot be a key is dropped with a
// warning and never rejects the profile it came in.
#pragma once

#include "profile.h"

#include <string>
#include <string_view>
#include <vector>

namespace tinyxml2
{
class XMLElement;
}

namespace hotdesk
{

// The BLF keys of <functionKeys> in document order, at most `max_blf`.
// Other key types (speed dial, keyevent, ...) are skipped silently; what
// cannot be read is skipped with a line in `warnings`.
std::vector<BlfEntry> read_function_keys(const tinyxml2::XMLElement *function_keys, size_t max_blf,
                                         std::vector<std::string> &warnings);

// The monitored extension of a "blf <target>" key: "103", the user part of
// "sip:103@pbx.example.com;user=phone", "<sip:bob@pbx>", "bob@pbx" or
// "tel:+4930123". An error says why it cannot be a key.
Expected<std::string> blf_extension(std::string_view target);

// Digits, '*', '#' (and '+' for numbers): what a key can dial.
bool is_dial_string(std::string_view s);

// Text from a profile as a warning quotes it: 'text', control characters as
// '?', so that a value cannot forge log lines.
std::string quoted(std::string_view text);

} // namespace hotdesk
