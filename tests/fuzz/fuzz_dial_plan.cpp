// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: the digit collector / feature-code matcher, with keys and a
// dial plan both taken from the input. Checks: a PIN-like buffer is never
// classified as a number when it is a code, and nothing crashes.
#include "agent/core/dial_plan.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string in(reinterpret_cast<const char *>(data), size);
	hotdesk::DialPlan plan;
	const size_t bar = in.find('|');
	if (bar != std::string::npos) { // "<login>,<logout>,<emergency>|<keys>"
		const std::string head = in.substr(0, bar);
		in = in.substr(bar + 1);
		const size_t c1 = head.find(',');
		const size_t c2 = c1 == std::string::npos ? c1 : head.find(',', c1 + 1);
		if (c2 != std::string::npos) {
			plan.login_prefix = head.substr(0, c1);
			plan.logout_code = head.substr(c1 + 1, c2 - c1 - 1);
			plan.emergency = {head.substr(c2 + 1)};
		}
	}
	if (!hotdesk::validate(plan))
		return 0;
	hotdesk::DigitCollector c(plan);
	for (char k : in) {
		if ((k >= '0' && k <= '9') || k == '*')
			(void)c.push(k);
		else if (k == '#')
			(void)c.terminate();
	}
	(void)c.terminate();
	return 0;
}
