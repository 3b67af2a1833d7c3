// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: board.conf files (boards are data a vendor writes).
#include "agent/core/board.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)hotdesk::board_parse(std::string(reinterpret_cast<const char *>(data), size));
	return 0;
}
