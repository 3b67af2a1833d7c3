// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: lines on the host board's key socket ("*77*100*", "{blf1}").
#include "platform/keys/host/host_key_source.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)hotdesk::platform::parse_key_line(
	    std::string(reinterpret_cast<const char *>(data), size));
	return 0;
}
