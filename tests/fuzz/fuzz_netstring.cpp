// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: netstring framing of baresip's ctrl_tcp stream, fed in pieces.
#include "agent/core/netstring.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hotdesk::NetstringDecoder d(4096);
	const std::string_view in(reinterpret_cast<const char *>(data), size);
	const size_t cut = size ? data[0] % (size + 1) : 0; // split where the first byte says
	for (std::string_view part : {in.substr(0, cut), in.substr(cut)}) {
		d.feed(part);
		for (;;) {
			auto n = d.next();
			if (!n || !n->complete)
				break;
		}
	}
	return 0;
}
