// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: the digit collector / feature-code matcher, with keys, a dial
// plan and its dial terminator all taken from the input. Keys: digits and
// '*' are pushed, '#' is pushed or terminates as the session does it
// (DigitCollector::hash_ends()), 'S' is Send, 'T' the inter-digit timeout.
// Checks: nothing crashes; a buffer that starts like a login code is never a
// number; an emergency match is always one of the plan's numbers; the
// timeout never dials a number ending in '*' or '#'.
#include "agent/core/dial_plan.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace
{

void check(const hotdesk::DialPlan &plan, const hotdesk::DialMatch &m, bool timeout)
{
	using hotdesk::DialKind;
	if (m.kind == DialKind::Number && m.value.rfind(plan.login_prefix, 0) == 0)
		abort();
	if (m.kind == DialKind::Emergency && std::find(plan.emergency.begin(), plan.emergency.end(),
	                                               m.value) == plan.emergency.end())
		abort();
	if (timeout && m.kind == DialKind::Number && !m.value.empty() &&
	    (m.value.back() == '*' || m.value.back() == '#'))
		abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string in(reinterpret_cast<const char *>(data), size);
	hotdesk::DialPlan plan;
	const size_t bar = in.find('|');
	if (bar != std::string::npos) { // "<login>,<logout>,<emergency>[,none]|<keys>"
		std::string head = in.substr(0, bar);
		in = in.substr(bar + 1);
		if (head.size() >= 5 && head.compare(head.size() - 5, 5, ",none") == 0) {
			plan.terminator = hotdesk::DialTerminator::None;
			head.resize(head.size() - 5);
		}
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
		if ((k >= '0' && k <= '9') || k == '*' || (k == '#' && !c.hash_ends()))
			check(plan, c.push(k), false);
		else if (k == '#' || k == 'S')
			check(plan, c.terminate(), false);
		else if (k == 'T')
			check(plan, c.expire(), true);
	}
	check(plan, c.terminate(), false);
	return 0;
}
