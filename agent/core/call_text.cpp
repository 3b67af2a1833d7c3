// SPDX-License-Identifier: BSD-3-Clause
#include "call_text.h"

#include "i18n.h"

#include <cstring>

namespace hotdesk
{

namespace
{

std::string two_digits(uint64_t v)
{
	return std::string(1, static_cast<char>('0' + v / 10 % 10)) +
	       static_cast<char>('0' + v % 10);
}

bool starts_with(std::string_view s, std::string_view p)
{
	return s.substr(0, p.size()) == p;
}

bool iequal_prefix(std::string_view s, std::string_view p)
{
	if (s.size() < p.size())
		return false;
	for (size_t i = 0; i < p.size(); ++i) {
		char a = s[i];
		if (a >= 'A' && a <= 'Z')
			a = static_cast<char>(a - 'A' + 'a');
		if (a != p[i])
			return false;
	}
	return true;
}

// The length of the longest prefix of s[0..max) that ends on a character
// boundary (never inside a UTF-8 sequence).
size_t utf8_cut(std::string_view s, size_t max)
{
	if (s.size() <= max)
		return s.size();
	size_t n = max;
	while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
		--n;
	return n;
}

bool continuation(char c)
{
	return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// At most `cells` characters of s (a character: a UTF-8 lead byte and its
// continuation bytes).
std::string first_cells(const std::string &s, size_t cells)
{
	size_t n = 0, i = 0;
	for (; i < s.size(); ++i) {
		if (!continuation(s[i]) && n++ == cells)
			break;
	}
	return s.substr(0, i);
}

size_t cell_count(const std::string &s)
{
	size_t n = 0;
	for (char c : s)
		n += !continuation(c);
	return n;
}

bool call_id_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return std::strchr("-.!%*_+`'~()<>:\\\"/[]?{}", c) != nullptr && c != '\0';
}

} // namespace

std::string format_duration(uint64_t s)
{
	const uint64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
	if (h == 0)
		return two_digits(s / 60) + ":" + two_digits(sec);
	return std::to_string(h) + ":" + two_digits(m) + ":" + two_digits(sec);
}

std::string bounded(std::string_view s, size_t max)
{
	std::string out(s.substr(0, utf8_cut(s, max)));
	for (char &c : out)
		if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
			c = ' ';
	return out;
}

std::string peer_number(std::string_view uri)
{
	if (!uri.empty() && uri.front() == '<')
		uri.remove_prefix(1);
	if (const size_t gt = uri.find('>'); gt != std::string_view::npos)
		uri = uri.substr(0, gt);
	for (std::string_view scheme : {"sip:", "sips:", "tel:"})
		if (iequal_prefix(uri, scheme)) {
			uri.remove_prefix(scheme.size());
			break;
		}
	const size_t at = uri.find('@');
	if (at != std::string_view::npos) {
		uri = uri.substr(0, at);
		if (const size_t colon = uri.find(':'); colon != std::string_view::npos)
			uri = uri.substr(0, colon); // user:password@
	}
	uri = uri.substr(0, uri.find(';'));
	if (at == std::string_view::npos)
		uri = uri.substr(0, uri.find('?'));
	return bounded(uri);
}

int call_end_status(std::string_view p)
{
	if (p.size() < 3)
		return 0;
	for (size_t i = 0; i < 3; ++i)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	if (p.size() > 3 && p[3] != ' ')
		return 0;
	const int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return code >= 100 && code <= 699 ? code : 0;
}

std::string call_end_text(std::string_view p)
{
	switch (call_end_status(p)) {
	case 0:
		break;
	case 486:
	case 600:
		return tr("Busy");
	case 404:
	case 604:
		return tr("Not found");
	case 480:
		return tr("Unavailable");
	case 603:
		return tr("Declined");
	case 408:
		return tr("No answer");
	case 487:
		return tr("Cancelled");
	default: {
		std::string_view phrase = p.size() > 4 ? p.substr(4) : std::string_view{};
		while (!phrase.empty() && phrase.front() == ' ')
			phrase.remove_prefix(1);
		// TRANSLATORS: %s is the SIP reason phrase or code ("Service Unavailable").
		return trf("Failed: %s", {bounded(phrase.empty() ? p.substr(0, 3) : phrase, 40)});
	}
	}
	if (p.empty() || starts_with(p, "Connection reset by"))
		return tr("Call ended");
	if (p == "Local timeout")
		return tr("No answer");
	if (p == "Call transfered" || p == "Call transferred")
		return tr("Transferred");
	return trf("Failed: %s", {bounded(p, 40)});
}

bool valid_call_id(std::string_view id)
{
	if (id.empty() || id.size() > 256)
		return false;
	const size_t at = id.find('@');
	if (at == 0 || at + 1 == id.size())
		return false;
	for (size_t i = 0; i < id.size(); ++i) {
		if (i == at)
			continue;
		if (!call_id_char(id[i]))
			return false;
	}
	return true;
}

std::string two_columns(const std::string &left, const std::string &right, size_t width)
{
	if (right.empty())
		return left; // the display shortens it, with an ellipsis
	const size_t room = width > right.size() + 1 ? width - right.size() - 1 : 0;
	std::string l = first_cells(left, room);
	const size_t cells = cell_count(l);
	const size_t pad = width > cells + right.size() ? width - cells - right.size() : 1;
	return l + std::string(pad, ' ') + right;
}

} // namespace hotdesk
