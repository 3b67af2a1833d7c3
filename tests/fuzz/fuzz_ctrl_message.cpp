// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: ctrl_tcp JSON frames from baresip (decoded with libre's JSON).
#include "agent/ctrl/ctrl_message.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)hotdesk::ctrl_decode(std::string_view(reinterpret_cast<const char *>(data), size));
	return 0;
}
