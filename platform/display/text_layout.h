// SPDX-License-Identifier: BSD-3-Clause
// Laying text out on a phone display of lines x columns. Pure (no OS), so
// every board geometry is unit tested. A column is one character cell: one
// Unicode code point; combining marks and joiners ride on the character
// before them and are never cut off it. Bytes that are not UTF-8 show as
// '?', control characters as ' ' (nothing reaches a display controller or
// terminal that could act as an escape sequence).
#pragma once

#include <string>
#include <vector>

namespace hotdesk::platform
{

// Valid UTF-8 with control characters and broken sequences replaced.
std::string sanitize_utf8(const std::string &s);

// Character cells that the sanitized text takes.
unsigned text_width(const std::string &s);

// What marks a shortened text: "…" (U+2026), or "..." on a display that
// takes only ASCII (board display_charset ascii).
extern const char *const kEllipsisUtf8;
extern const char *const kEllipsisAscii;

// At most `columns` cells. Text that is too long is cut on a character
// boundary, trailing spaces dropped, and ends in `ellipsis` so the reader
// sees it was shortened ("100 Alexandra Feathersto…").
std::string shorten(const std::string &s, unsigned columns, const char *ellipsis = kEllipsisUtf8);

// `s` shortened to `columns` and padded with spaces to exactly `columns`.
std::string pad(const std::string &s, unsigned columns, const char *ellipsis = kEllipsisUtf8);

// The screen for a display of `lines` x `columns`: the session's lines
// (occupant, status, ...) shortened to fit, and, when the display has three
// lines or more and a softkey has a label, the softkey labels in equal cells
// on the bottom line. A one-line display shows the last session line (the
// status, which says what to do). Always exactly `lines` lines, none longer
// than `columns` cells, trailing spaces dropped.
std::vector<std::string> layout_screen(const std::vector<std::string> &session_lines,
                                       unsigned lines, unsigned columns,
                                       const std::vector<std::string> &softkeys = {},
                                       const char *ellipsis = kEllipsisUtf8);

} // namespace hotdesk::platform
