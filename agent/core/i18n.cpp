// SPDX-License-Identifier: BSD-3-Clause
#include "i18n.h"

#include <vector>

namespace hotdesk
{

namespace
{

std::unique_ptr<Catalog> &installed()
{
	static std::unique_ptr<Catalog> c;
	return c;
}

} // namespace

std::unique_ptr<Catalog> i18n_set_catalog(std::unique_ptr<Catalog> c)
{
	std::swap(installed(), c);
	return c;
}

bool i18n_has_language(const std::string &code)
{
	return code == "en" || (installed() && installed()->has_language(code));
}

bool i18n_use_language(const std::string &code)
{
	return installed() ? installed()->use_language(code) : code == "en";
}

std::string i18n_language()
{
	return installed() ? installed()->language() : "en";
}

std::string tr(const char *msgid)
{
	return installed() ? installed()->text(msgid) : msgid;
}

std::string tr(const std::string &msgid)
{
	return tr(msgid.c_str());
}

std::string trc(const char *context, const char *msgid)
{
	return installed() ? installed()->text_in(context, msgid) : msgid;
}

std::string trn(const char *msgid, const char *msgid_plural, unsigned long n)
{
	const std::string form = installed() ? installed()->plural(msgid, msgid_plural, n)
	                                     : (n == 1 ? msgid : msgid_plural);
	return fill(form, {std::to_string(n)});
}

std::string trf(const char *msgid, std::initializer_list<std::string_view> args)
{
	return fill(tr(msgid), args);
}

std::string fill(std::string_view p, std::initializer_list<std::string_view> args)
{
	const std::vector<std::string_view> a(args);
	std::string out;
	size_t next = 0; // the argument the next %s takes
	for (size_t i = 0; i < p.size(); ++i) {
		if (p[i] != '%' || i + 1 == p.size()) {
			out += p[i];
			continue;
		}
		size_t j = i + 1;
		if (p[j] == '%') {
			out += '%';
			i = j;
			continue;
		}
		size_t index = next;
		bool positional = false;
		size_t pos = 0, k = j;
		while (k < p.size() && p[k] >= '0' && p[k] <= '9' && pos < 100)
			pos = pos * 10 + static_cast<size_t>(p[k++] - '0');
		if (k > j && k < p.size() && p[k] == '$' && pos >= 1) {
			index = pos - 1;
			positional = true;
			j = k + 1;
		}
		if (j < p.size() && (p[j] == 's' || p[j] == 'u' || p[j] == 'd')) {
			if (index < a.size())
				out += a[index];
			if (!positional)
				++next;
			i = j;
			continue;
		}
		out += p[i]; // not one of ours: as it is
	}
	return out;
}

} // namespace hotdesk
