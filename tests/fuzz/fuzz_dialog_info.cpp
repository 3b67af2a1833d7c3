// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: RFC 4235 dialog-info+xml NOTIFY bodies (BLF lamps).
// Checks: nothing crashes, what is accepted stays within the limits.
#include "agent/profile/dialog_info.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto d = hotdesk::parse_dialog_info(
	    std::string_view(reinterpret_cast<const char *>(data), size));
	if (!d)
		return 0;
	if (size > hotdesk::kDialogInfoMaxBytes ||
	    d->dialogs.size() > hotdesk::kDialogInfoMaxDialogs || d->entity.size() > 256)
		std::abort();
	for (const auto &e : d->dialogs)
		if (e.id.empty() || e.id.size() > 256)
			std::abort();
	(void)hotdesk::blf_state_of(d->dialogs);
	return 0;
}
