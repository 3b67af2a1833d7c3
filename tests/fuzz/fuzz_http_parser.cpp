// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer target for the status endpoint's request parser. The input is
// split into chunks at arbitrary points (first byte picks the chunk size) so
// the incremental paths are exercised as well as the one-shot one.
#include "agent/status/http_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace
{

void check(bool ok)
{
	if (!ok)
		std::abort(); // an invariant broke: make the fuzzer keep the input
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const size_t chunk = 1 + data[0] % 64;
	const std::string_view in(reinterpret_cast<const char *>(data + 1), size - 1);
	hotdesk::HttpParseLimits limits;
	hotdesk::HttpRequestParser p(limits);
	hotdesk::ParsedRequest r;
	for (size_t off = 0; off < in.size(); off += chunk) {
		p.feed(in.substr(off, chunk));
		for (;;) {
			const auto res = p.next(r);
			if (res == hotdesk::HttpRequestParser::Result::Request) {
				check(r.body.size() <= limits.max_body);
				check(r.headers.size() <= limits.max_headers);
				check(!r.path.empty() && r.path[0] == '/');
				continue;
			}
			if (res == hotdesk::HttpRequestParser::Result::Error) {
				const int s = p.error().status;
				check(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 ||
				      s == 505);
				return 0;
			}
			break;
		}
		// Whatever the input, the parser never holds more than one read
		// chunk beyond its limits.
		check(p.buffered() <= limits.max_request_line + limits.max_header_bytes +
		                          limits.max_body + 2 * chunk + 16);
	}
	return 0;
}
