// SPDX-License-Identifier: BSD-3-Clause
// Heap blocks overwritten before they are freed, so that a PIN, a SIP password
// or a profile that held one does not outlive its buffer in freed memory
// (issue 14, kind 10; docs/reliability.md "Secrets in memory").
//
// The functions below have the shapes of libcurl's memory callbacks
// (curl_global_init_mem, CURL/curl.h): hotdeskd hands them to libcurl so its
// request, upload and download buffers are wiped too. The size of a block is
// malloc_usable_size(3) (glibc, musl): the whole block is wiped, not only
// what was asked for. hotdeskd's global operator new/delete use the same
// free (wiping_new.cpp, linked into hotdeskd only), which covers every C++
// container, std::string and tinyxml2's document buffers.
#pragma once

#include <cstddef>

namespace hotdesk::platform
{

// Overwrites the usable size of `p` (malloc'd), then frees it. nullptr is a no-op.
void wiping_free(void *p);
// realloc(3) that never leaves the old block behind unwiped: it grows in a
// new block, copies and wipes the old one.
void *wiping_realloc(void *p, size_t n);
// strdup(3) whose copy is freed by wiping_free.
char *wiping_strdup(const char *s);

} // namespace hotdesk::platform
