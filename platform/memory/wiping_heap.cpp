// SPDX-License-Identifier: BSD-3-Clause
#include "wiping_heap.h"

#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <mbedtls/platform_util.h>

namespace hotdesk::platform
{

void wiping_free(void *p)
{
	if (!p)
		return;
	mbedtls_platform_zeroize(p, malloc_usable_size(p));
	std::free(p);
}

void *wiping_realloc(void *p, size_t n)
{
	if (!p)
		return std::malloc(n);
	if (n == 0) {
		wiping_free(p);
		return nullptr;
	}
	const size_t have = malloc_usable_size(p);
	if (n <= have)
		return p; // fits: the block stays (its tail is freed with it later)
	void *q = std::malloc(n);
	if (!q)
		return nullptr; // like realloc: the old block stays valid
	std::memcpy(q, p, have);
	wiping_free(p);
	return q;
}

char *wiping_strdup(const char *s)
{
	const size_t n = std::strlen(s) + 1;
	auto *d = static_cast<char *>(std::malloc(n));
	if (d)
		std::memcpy(d, s, n);
	return d;
}

} // namespace hotdesk::platform
