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
#include <cstring>
#include <string>
#include <type_traits>

#include <mbedtls/platform_util.h>

namespace hotdesk
{

// Overwrites every string value of `o` and of the objects and arrays
// in it: a decoded or built JSON object may hold a PIN or a SIP password, and
// libre frees its strings without wiping them.
inline void odict_wipe(struct odict *o)
{
	if (!o)
		return;
	for (struct le *le = o->lst.head; le; le = le->next) {
		auto *e = static_cast<struct odict_entry *>(le->data);
		if (e->type == ODICT_STRING && e->u.str)
			mbedtls_platform_zeroize(e->u.str, std::strlen(e->u.str));
		else if (e->type == ODICT_OBJECT || e->type == ODICT_ARRAY)
			odict_wipe(e->u.odict);
	}
}

// Owns one reference of re-allocated memory (mem_deref on destruction). The
// last reference of an odict wipes it first (odict_wipe).
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
	void reset()
	{
		if constexpr (std::is_same_v<T, struct odict>)
			if (p_ && mem_nrefs(p_) == 1)
				odict_wipe(p_);
		p_ = static_cast<T *>(mem_deref(p_));
	}
	explicit operator bool() const { return p_ != nullptr; }

private:
	T *p_ = nullptr;
};

namespace re_json_detail
{
// json_decode_odict's handlers (libre src/json/decode_odict.c), but every
// string libre decoded for us is wiped once the odict holds its copy.
inline int container(const char *name, unsigned idx, enum odict_type type, struct json_handlers *h)
{
	auto *o = static_cast<struct odict *>(h->arg);
	char index[16];
	if (!name) {
		if (re_snprintf(index, sizeof(index), "%u", idx) < 0)
			return ENOMEM;
		name = index;
	}
	struct odict *oc = nullptr;
	if (int err = odict_alloc(&oc, hash_bsize(o->ht)))
		return err;
	const int err = odict_entry_add(o, name, type, oc);
	mem_deref(oc);
	h->arg = oc;
	return err;
}

inline int entry(struct odict *o, const char *name, const struct json_value *val)
{
	switch (val->type) {
	case JSON_STRING: {
		const int err = odict_entry_add(o, name, ODICT_STRING, val->v.str);
		mbedtls_platform_zeroize(val->v.str, std::strlen(val->v.str));
		return err;
	}
	case JSON_INT:
		return odict_entry_add(o, name, ODICT_INT, val->v.integer);
	case JSON_DOUBLE:
		return odict_entry_add(o, name, ODICT_DOUBLE, val->v.dbl);
	case JSON_BOOL:
		return odict_entry_add(o, name, ODICT_BOOL, val->v.boolean);
	case JSON_NULL:
		return odict_entry_add(o, name, ODICT_NULL);
	}
	return ENOSYS;
}
} // namespace re_json_detail

// json_decode_odict() for text that may hold a PIN or a SIP password: libre's
// temporary copy of each string value is wiped (a value with JSON escapes may
// still leave a partial copy in a buffer libre grew while decoding it; see
// docs/reliability.md). Free the result with ReRef (odict_wipe).
inline int json_decode_odict_wiped(struct odict **op, uint32_t hash_size, const char *str,
                                   size_t len, unsigned maxdepth)
{
	using namespace re_json_detail;
	struct odict *o = nullptr;
	if (int err = odict_alloc(&o, hash_size))
		return err;
	const int err = json_decode(
	    str, len, maxdepth,
	    [](const char *name, unsigned idx, struct json_handlers *h) {
		    return container(name, idx, ODICT_OBJECT, h);
	    },
	    [](const char *name, unsigned idx, struct json_handlers *h) {
		    return container(name, idx, ODICT_ARRAY, h);
	    },
	    [](const char *name, const struct json_value *v, void *arg) {
		    return entry(static_cast<struct odict *>(arg), name, v);
	    },
	    [](unsigned idx, const struct json_value *v, void *arg) {
		    char index[16];
		    if (re_snprintf(index, sizeof(index), "%u", idx) < 0)
			    return ENOMEM;
		    return entry(static_cast<struct odict *>(arg), index, v);
	    },
	    o);
	if (err) {
		odict_wipe(o);
		mem_deref(o);
	} else {
		*op = o;
	}
	return err;
}

// A string field of a JSON object, or "" when absent or not a string.
inline std::string odict_str(const struct odict *o, const char *key)
{
	const char *s = odict_string(o, key);
	return s ? s : "";
}

// The JSON text of `o` (libre's json_encode_odict), printed straight into the
// string returned: no libre buffer holds a copy (a body may hold a PIN or a SIP
// password), and the string's own growth is wiped by hotdeskd's operator
// delete (platform/memory/wiping_heap.h).
inline Expected<std::string> odict_json(const struct odict *o)
{
	std::string out;
	out.reserve(256);
	struct re_printf pf = {[](const char *p, size_t n, void *arg) -> int {
		                       static_cast<std::string *>(arg)->append(p, n);
		                       return 0;
	                       },
	                       &out};
	if (json_encode_odict(&pf, o))
		return make_error("json", "cannot encode (out of memory)");
	return out;
}

} // namespace hotdesk
