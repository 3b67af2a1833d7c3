// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: device and user profile XML (untrusted: comes from the network).
#include "agent/profile/profile.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string_view xml(reinterpret_cast<const char *>(data), size);
	(void)hotdesk::parse_device_profile(xml);
	(void)hotdesk::parse_user_profile(xml);
	return 0;
}
