// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: RFC 3842 message-summary bodies (MWI_NOTIFY's param).
// Checks: nothing crashes, counts stay clamped, the account stays bounded.
#include "agent/core/mwi.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto m = hotdesk::parse_mwi(std::string_view(reinterpret_cast<const char *>(data), size));
	if (!m)
		return 0;
	if (m->new_msgs > hotdesk::kMwiMaxCount || m->old_msgs > hotdesk::kMwiMaxCount ||
	    m->urgent_new > hotdesk::kMwiMaxCount || m->urgent_old > hotdesk::kMwiMaxCount ||
	    m->account.size() > 256)
		std::abort();
	(void)hotdesk::mwi_line(*m);
	return 0;
}
