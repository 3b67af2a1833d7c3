// SPDX-License-Identifier: BSD-3-Clause
#include "kv_reader.h"

#include <algorithm>

namespace hotdesk
{

namespace
{

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && is_space(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && is_space(s.back()))
		s.remove_suffix(1);
	return s;
}

std::string_view strip_comment(std::string_view raw)
{
	for (size_t i = 0; i < raw.size(); ++i)
		if (raw[i] == '#' && (i == 0 || is_space(raw[i - 1])))
			return raw.substr(0, i);
	return raw;
}

} // namespace

std::vector<KvLine> kv_parse(std::string_view text)
{
	std::vector<KvLine> out;
	unsigned n = 0;
	while (!text.empty()) {
		const size_t nl = std::min(text.find('\n'), text.size());
		const std::string_view raw = trim(strip_comment(text.substr(0, nl)));
		text.remove_prefix(std::min(nl + 1, text.size()));
		++n;
		if (raw.empty())
			continue;
		size_t sp = 0;
		while (sp < raw.size() && !is_space(raw[sp]))
			++sp;
		out.push_back(
		    KvLine{n, std::string(raw.substr(0, sp)), std::string(trim(raw.substr(sp)))});
	}
	return out;
}

Error kv_error(const std::string &origin, unsigned line, std::string what)
{
	return make_error(origin + ":" + std::to_string(line), std::move(what));
}

KvReader::KvReader(std::string_view text) : lines_(kv_parse(text)) {}

const KvLine *KvReader::find(std::string_view key)
{
	if (std::find(asked_.begin(), asked_.end(), key) == asked_.end())
		asked_.emplace_back(key);
	for (const KvLine &l : lines_)
		if (l.key == key)
			return &l;
	return nullptr;
}

KvReader::Duplicate KvReader::first_duplicate() const
{
	for (auto it = lines_.begin(); it != lines_.end(); ++it) {
		auto first = std::find_if(lines_.begin(), it,
		                          [&](const KvLine &l) { return l.key == it->key; });
		if (first != it)
			return Duplicate{&*it, first->line};
	}
	return {};
}

const KvLine *KvReader::first_unread() const
{
	for (const KvLine &l : lines_)
		if (std::find(asked_.begin(), asked_.end(), l.key) == asked_.end())
			return &l;
	return nullptr;
}

} // namespace hotdesk
