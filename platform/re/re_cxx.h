// SPDX-License-Identifier: BSD-3-Clause
// libre from C++: the header needs these defines (its .pc omits them), a
// small owner for re's reference-counted memory and JSON through re's odict.
// For agent/ above core and platform/; agent/core never includes it.
#pragma once

#include "../../agent/core/error.h"

#ifndef HAVE_INTTYPES_H
#define HAVE_INTTYPES_H 1
#endif
#ifndef HAVE_STDBOOL_H
#define HAVE_STDBOOL_H 1
#endif
extern "C" {
#include <re.h>
}

#undef DEBUG_MODULE
#undef list_head

#include <algorithm>
#include <string>

namespace hotdesk
{

// Owns one reference of re-allocated memory (mem_deref on destruction).
template <class T> class ReRef
{
public:
	ReRef() = default;
	explicit ReRef(T *p) : p_(p) {}
	~ReRef() { reset(); }
	ReRef(const ReRef &) = delete;
	ReRef &operator=(const ReRef &) = delete;
	ReRef(ReRef &&o) noexcept : p_(o.p_) { o.p_ = nullptr; }
	ReRef &operator=(ReRef &&o) noexcept
	{
		if (this != &o) {
			reset();
			p_ = o.p_;
			o.p_ = nullptr;
		}
		return *this;
	}
	T *get() const { return p_; }
	T **out()
	{
		reset();
		return &p_;
	}
	void reset() { p_ = static_cast<T *>(mem_deref(p_)); }
	explicit operator bool() const { return p_ != nullptr; }

private:
	T *p_ = nullptr;
};

// A string field of a JSON object, or "" when absent or not a string.
inline std::string odict_str(const struct odict *o, const char *key)
{
	const char *s = odict_string(o, key);
	return s ? s : "";
}

// The JSON text of `o` (libre's json_encode_odict). libre's buffer is
// zeroed before it is freed: a body may hold a PIN or a SIP password.
inline Expected<std::string> odict_json(const struct odict *o)
{
	char *s = nullptr;
	if (re_sdprintf(&s, "%H", json_encode_odict, o) || !s)
		return make_error("json", "cannot encode (out of memory)");
	std::string out(s);
	std::fill(s, s + out.size(), '\0');
	mem_deref(s);
	return out;
}

} // namespace hotdesk
