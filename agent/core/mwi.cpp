// SPDX-License-Identifier: BSD-3-Clause
#include "mwi.h"

#include "call_text.h"
#include "i18n.h"

#include <optional>

namespace hotdesk
{

namespace
{

bool blank(char c)
{
	return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && blank(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && (blank(s.back()) || s.back() == '\r'))
		s.remove_suffix(1);
	return s;
}

bool iequal(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = static_cast<char>(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = static_cast<char>(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

// Digits at the start of s, consumed; clamped to kMwiMaxCount.
std::optional<unsigned> number(std::string_view &s)
{
	s = trim(s);
	size_t i = 0;
	unsigned long v = 0;
	while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + static_cast<unsigned long>(s[i] - '0');
		if (v > kMwiMaxCount)
			v = kMwiMaxCount;
		++i;
	}
	if (i == 0)
		return std::nullopt;
	s.remove_prefix(i);
	s = trim(s);
	return static_cast<unsigned>(v);
}

bool expect(std::string_view &s, char c)
{
	s = trim(s);
	if (s.empty() || s.front() != c)
		return false;
	s.remove_prefix(1);
	return true;
}

// "new/old [(unew/uold)]"
bool voice_counts(std::string_view v, MwiSummary &m)
{
	auto n = number(v);
	if (!n || !expect(v, '/'))
		return false;
	auto o = number(v);
	if (!o)
		return false;
	unsigned un = 0, uo = 0;
	if (expect(v, '(')) {
		auto a = number(v);
		if (!a || !expect(v, '/'))
			return false;
		auto b = number(v);
		if (!b || !expect(v, ')'))
			return false;
		un = *a;
		uo = *b;
	}
	if (!trim(v).empty())
		return false;
	m.new_msgs = *n;
	m.old_msgs = *o;
	m.urgent_new = un;
	m.urgent_old = uo;
	return true;
}

} // namespace

Expected<MwiSummary> parse_mwi(std::string_view body)
{
	if (body.empty())
		return make_error("mwi", "empty message-summary");
	if (body.size() > kMwiMaxBody)
		return make_error("mwi", "message-summary longer than " +
		                             std::to_string(kMwiMaxBody) + " bytes");
	MwiSummary m;
	bool have_status = false, have_line = false;
	while (!body.empty()) {
		const size_t nl = body.find('\n');
		std::string_view line = body.substr(0, nl);
		body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
		if (trim(line).empty()) {
			if (have_line)
				break; // optional message headers follow: not ours
			continue;
		}
		have_line = true;
		const size_t colon = line.find(':');
		if (colon == std::string_view::npos)
			continue;
		const std::string_view name = trim(line.substr(0, colon));
		const std::string_view value = trim(line.substr(colon + 1));
		if (iequal(name, "Messages-Waiting")) {
			if (iequal(value, "yes"))
				m.waiting = true;
			else if (iequal(value, "no"))
				m.waiting = false;
			else
				return make_error("mwi", "Messages-Waiting is neither yes nor no");
			have_status = true;
		} else if (iequal(name, "Message-Account")) {
			m.account = bounded(value, 256);
		} else if (iequal(name, "Voice-Message")) {
			MwiSummary counts = m;
			if (voice_counts(value, counts))
				m = counts;
		}
	}
	if (!have_status)
		return make_error("mwi", "no Messages-Waiting line");
	return m;
}

std::string mwi_line(const MwiSummary &m)
{
	if (m.new_msgs > 0)
		return trn("%u new voicemail", "%u new voicemails", m.new_msgs);
	if (m.waiting)
		return tr("Voicemail waiting");
	return "";
}

} // namespace hotdesk
