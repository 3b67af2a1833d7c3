// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: Yealink-style .cfg device profiles (untrusted: from the
// network), read alone and through the device-profile parser.
#include "agent/profile/profile.h"
#include "agent/profile/yealink_cfg.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	(void)hotdesk::read_yealink_cfg(text, {});
	// As a PBX would serve it: the version line first.
	const std::string cfg = "#!version:1.0.0.1\n" + std::string(text);
	(void)hotdesk::parse_device_profile(cfg);
	return 0;
}
