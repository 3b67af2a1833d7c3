// SPDX-License-Identifier: BSD-3-Clause
// A file that proves it is whole. Atomic writes (storage.h) keep a file from
// holding half of an old and half of a new content, but not every flash file
// system keeps a renamed file's data: after a power cut a file can be cut
// short, hold zero-filled blocks or erased flash (0xFF), or be empty. A sealed
// file carries what it takes to notice (format 2 of the state files; format 1,
// up to release 0.1.0, was the bare body):
//
//   hotdesk-state 2 <name> <body length, decimal> <SHA-256 of the body, 64 hex>\n
//   <body: exactly that many bytes>
//   hotdesk-end\n
//
// The name guards against a file copied or renamed to another name. The
// SHA-256 (mbedTLS) catches damage inside the body; the length and the end
// marker tell a cut-short file and bytes appended after the end apart from it.
// Pure: no files are touched here.
#pragma once

#include "../../agent/core/error.h"

#include <string>

namespace hotdesk::platform
{

constexpr unsigned kSealedFormat = 2;

// The whole file for `body`. `name` must have no space or line break.
std::string seal(const std::string &name, const std::string &body);

// The body of a sealed file named `name`, or why the file is not whole
// (Error.where = name, Error.what = the first defect found, e.g. "truncated:
// 12 of 40 body bytes", "checksum mismatch", "no format header"). Never a
// part of the body.
Expected<std::string> unseal(const std::string &name, const std::string &file);

} // namespace hotdesk::platform
