// SPDX-License-Identifier: BSD-3-Clause
#include "text_layout.h"

#include <cstdint>

namespace hotdesk::platform
{

namespace
{

constexpr char32_t kBad = 0xFFFFFFFF;

// Decodes one code point at s[i], advancing i; kBad for a broken sequence
// (then i moves one byte on).
char32_t decode(const std::string &s, size_t &i)
{
	const auto b0 = static_cast<unsigned char>(s[i]);
	if (b0 < 0x80) {
		++i;
		return b0;
	}
	size_t len = 0;
	char32_t cp = 0, min = 0;
	if ((b0 & 0xE0) == 0xC0) {
		len = 2, cp = b0 & 0x1F, min = 0x80;
	} else if ((b0 & 0xF0) == 0xE0) {
		len = 3, cp = b0 & 0x0F, min = 0x800;
	} else if ((b0 & 0xF8) == 0xF0) {
		len = 4, cp = b0 & 0x07, min = 0x10000;
	} else {
		++i;
		return kBad;
	}
	if (i + len > s.size()) {
		++i;
		return kBad;
	}
	for (size_t k = 1; k < len; ++k) {
		const auto b = static_cast<unsigned char>(s[i + k]);
		if ((b & 0xC0) != 0x80) {
			++i;
			return kBad;
		}
		cp = (cp << 6) | (b & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		++i;
		return kBad;
	}
	i += len;
	return cp;
}

void encode(char32_t cp, std::string &out)
{
	if (cp < 0x80) {
		out += static_cast<char>(cp);
	} else if (cp < 0x800) {
		out += static_cast<char>(0xC0 | (cp >> 6));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out += static_cast<char>(0xE0 | (cp >> 12));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else {
		out += static_cast<char>(0xF0 | (cp >> 18));
		out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	}
}

// Marks that combine with the character before them, and joiners.
bool zero_width(char32_t c)
{
	return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
	       (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
	       (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0xFE00 && c <= 0xFE0F) ||
	       (c >= 0x200B && c <= 0x200D) || (c >= 0xE0100 && c <= 0xE01EF);
}

// Bidi controls: they could reorder what the display shows. Dropped.
bool bidi_control(char32_t c)
{
	return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x061C;
}

// A character cell: a base character and the marks on it.
struct Cell {
	std::string text;
	unsigned width; // 1, or 0 for marks with no base before them
};

std::vector<Cell> cells(const std::string &s)
{
	std::vector<Cell> out;
	for (size_t i = 0; i < s.size();) {
		char32_t cp = decode(s, i);
		if (cp == kBad)
			cp = '?';
		else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			cp = ' ';
		else if (bidi_control(cp))
			continue;
		if (zero_width(cp)) {
			if (out.empty())
				out.push_back(Cell{{}, 0});
			encode(cp, out.back().text);
			continue;
		}
		Cell c{{}, 1};
		encode(cp, c.text);
		out.push_back(std::move(c));
	}
	return out;
}

void rtrim(std::string &s)
{
	while (!s.empty() && s.back() == ' ')
		s.pop_back();
}

} // namespace

std::string sanitize_utf8(const std::string &s)
{
	std::string out;
	for (const Cell &c : cells(s))
		out += c.text;
	return out;
}

unsigned text_width(const std::string &s)
{
	unsigned w = 0;
	for (const Cell &c : cells(s))
		w += c.width;
	return w;
}

const char *const kEllipsisUtf8 = "\xE2\x80\xA6"; // U+2026 HORIZONTAL ELLIPSIS
const char *const kEllipsisAscii = "...";

std::string shorten(const std::string &s, unsigned columns, const char *ellipsis)
{
	const std::vector<Cell> cs = cells(s);
	unsigned total = 0;
	for (const Cell &c : cs)
		total += c.width;
	std::string out;
	if (total <= columns) {
		for (const Cell &c : cs)
			out += c.text;
		return out;
	}
	if (columns == 0)
		return out;
	const unsigned mark = text_width(ellipsis);
	if (mark > columns) // no room even for the mark: the first cells
		return shorten(s, columns, "");
	unsigned w = 0;
	for (const Cell &c : cs) {
		if (w + c.width > columns - mark)
			break;
		out += c.text;
		w += c.width;
	}
	rtrim(out);
	return out + ellipsis;
}

std::string pad(const std::string &s, unsigned columns, const char *ellipsis)
{
	std::string out = shorten(s, columns, ellipsis);
	for (unsigned w = text_width(out); w < columns; ++w)
		out += ' ';
	return out;
}

std::vector<std::string> layout_screen(const std::vector<std::string> &session_lines,
                                       unsigned lines, unsigned columns,
                                       const std::vector<std::string> &softkeys,
                                       const char *ellipsis)
{
	std::vector<std::string> out;
	if (lines == 0)
		return out;
	bool labels = false;
	for (const auto &l : softkeys)
		labels = labels || !l.empty();
	const bool soft_row = lines >= 3 && labels && columns / softkeys.size() >= 1;
	const unsigned body = lines - (soft_row ? 1 : 0);
	const size_t n = session_lines.size();
	if (n <= body) {
		for (unsigned i = 0; i < body; ++i)
			out.push_back(i < n ? shorten(session_lines[i], columns, ellipsis) : "");
	} else {
		// Too few lines: the first ones, and the last (the status) always.
		for (unsigned i = 0; i + 1 < body; ++i)
			out.push_back(shorten(session_lines[i], columns, ellipsis));
		out.push_back(shorten(session_lines.back(), columns, ellipsis));
	}
	if (soft_row) {
		const unsigned cell = columns / static_cast<unsigned>(softkeys.size());
		std::string row;
		for (const auto &l : softkeys)
			row += pad(l, cell, ellipsis);
		out.push_back(row);
	}
	for (auto &l : out)
		rtrim(l);
	return out;
}

} // namespace hotdesk::platform
