// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: baresip's `callstat` answer, read by the call census after
// hotdeskd (re)connects (agent/core/call_census.h). Checks: nothing crashes;
// a call found has a Call-ID, a SIP AOR and peer, a known type and direction.
#include "agent/core/call_census.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const auto e =
	    hotdesk::call_from_callstat(std::string(reinterpret_cast<const char *>(data), size));
	if (!e)
		return 0;
	if (e->id.empty() || e->aor.rfind("sip", 0) != 0 || e->peeruri.rfind("sip", 0) != 0 ||
	    (e->direction != "incoming" && e->direction != "outgoing") ||
	    (e->type != "CALL_ESTABLISHED" && e->type != "CALL_INCOMING" &&
	     e->type != "CALL_RINGING"))
		std::abort();
	return 0;
}
