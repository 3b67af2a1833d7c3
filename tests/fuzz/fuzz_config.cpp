// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: hotdeskd.conf (read with libre's conf).
#include "agent/daemon/config.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)hotdesk::config_parse(std::string(reinterpret_cast<const char *>(data), size));
	return 0;
}
