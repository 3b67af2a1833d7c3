// SPDX-License-Identifier: BSD-3-Clause
// The `key value` text format of hotdeskd.conf, its secrets file and board
// files (docs/config.md, docs/boards.md), read in one place:
//
// - one setting a line: the key is the first word, the value the rest of the
//   line with the blanks around it trimmed ("" when there is none);
// - '#' at the start of a word begins a comment, so "key KEY_3=#" keeps its
//   '#' and "pbx_token ab#cd" its value;
// - blank and comment-only lines are skipped; lines are numbered from 1
//   ("\n" ends a line; a trailing "\r" is a blank).
//
// Pure: the caller reads the file and says what each key means. Errors name
// the line: "<origin>:<line>" (kv_error) for files, or a "line N: " prefix
// where the caller's error names the key instead.
#pragma once

#include "error.h"

#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

struct KvLine {
	unsigned line = 0; // 1-based
	std::string key;
	std::string value;
};

// Every setting of `text`, in file order.
std::vector<KvLine> kv_parse(std::string_view text);

// "<origin>:<line>: <what>"
Error kv_error(const std::string &origin, unsigned line, std::string what);

// Lookup by key for files whose keys are each set at most once (the daemon's
// configuration and secrets). Remembers which keys were asked for, so that
// a key nobody reads (a typo) can be reported.
class KvReader
{
public:
	explicit KvReader(std::string_view text);

	// The setting of `key`, or nullptr when the text does not set it. Marks
	// the key as known.
	const KvLine *find(std::string_view key);
	// The second line of the first key set twice, and the first line of it.
	struct Duplicate {
		const KvLine *again = nullptr;
		unsigned first_line = 0;
	};
	Duplicate first_duplicate() const;
	// The first line whose key was never asked for with find(), or nullptr.
	const KvLine *first_unread() const;
	const std::vector<KvLine> &lines() const { return lines_; }

private:
	std::vector<KvLine> lines_;
	std::vector<std::string> asked_;
};

} // namespace hotdesk
