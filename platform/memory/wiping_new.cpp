// SPDX-License-Identifier: BSD-3-Clause
// hotdeskd's global operator new/delete (replaceable, [new.delete]): every
// block is wiped before it is freed (wiping_heap.h). Linked into hotdeskd
// only, as an object library, so that no static-library ordering can drop it.
// The aligned forms are not replaced: they keep the library's pair, and
// nothing of hotdeskd allocates over-aligned secrets.
#include "wiping_heap.h"

#include <cstdlib>
#include <new>

namespace
{

void *allocate(std::size_t n)
{
	if (n == 0)
		n = 1;
	for (;;) {
		if (void *p = std::malloc(n))
			return p;
		std::new_handler h = std::get_new_handler();
		if (!h)
			throw std::bad_alloc();
		h();
	}
}

void *allocate_nothrow(std::size_t n) noexcept
{
	try {
		return allocate(n);
	} catch (...) {
		return nullptr;
	}
}

} // namespace

void *operator new(std::size_t n)
{
	return allocate(n);
}
void *operator new[](std::size_t n)
{
	return allocate(n);
}
void *operator new(std::size_t n, const std::nothrow_t &) noexcept
{
	return allocate_nothrow(n);
}
void *operator new[](std::size_t n, const std::nothrow_t &) noexcept
{
	return allocate_nothrow(n);
}
void operator delete(void *p) noexcept
{
	hotdesk::platform::wiping_free(p);
}
void operator delete[](void *p) noexcept
{
	hotdesk::platform::wiping_free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
	hotdesk::platform::wiping_free(p);
}
void operator delete[](void *p, std::size_t) noexcept
{
	hotdesk::platform::wiping_free(p);
}
void operator delete(void *p, const std::nothrow_t &) noexcept
{
	hotdesk::platform::wiping_free(p);
}
void operator delete[](void *p, const std::nothrow_t &) noexcept
{
	hotdesk::platform::wiping_free(p);
}
