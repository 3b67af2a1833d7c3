// SPDX-License-Identifier: BSD-3-Clause
// Feature codes and emergency numbers, and how a typed buffer is classified.
//
// The agent owns the dial path (baresip 1.0.0 cannot hold an INVITE for an
// outside controller), so every key goes through here first: feature codes
// and PINs never reach the SIP network.
#pragma once

#include "error.h"

#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

struct DialPlan {
	std::string login_prefix = "*77*";  // login is <prefix><ext>*
	std::string logout_code = "*77*5*"; // checked before the login pattern
	std::vector<std::string> emergency = {"112", "911"};
	// The PBX's other dial codes (voicemail "*98", pickup "*8", ...). They go
	// out as numbers, but are validated against ours: 3CX rejects logins
	// ("forbidden") when another dial code starts like the login code.
	std::vector<std::string> other_codes;
	size_t max_ext_len = 10;
	size_t max_number_len = 32;
};

// A configuration error names both codes that clash.
Status validate(const DialPlan &plan);

enum class DialKind {
	Incomplete, // keep collecting
	Login,      // value = extension
	Logout,
	Emergency, // value = number; dial at once, in every state
	Number,    // value = number; only when terminated
	Invalid,   // value = reason for the display
};

struct DialMatch {
	DialKind kind = DialKind::Incomplete;
	std::string value;
};

// Classify `buf` (digits and '*'; '#' and Send terminate and are not part of
// it). `terminated` is true after '#', Send or the inter-digit timeout.
DialMatch classify(const DialPlan &plan, std::string_view buf, bool terminated);

// Collects dial characters and classifies after each one.
class DigitCollector
{
public:
	explicit DigitCollector(const DialPlan &plan) : plan_(plan) {}

	DialMatch push(char c); // '0'..'9' or '*'
	DialMatch terminate();  // '#', Send or timeout: classify and clear
	void clear() { buf_.clear(); }
	const std::string &text() const { return buf_; }
	bool empty() const { return buf_.empty(); }

private:
	const DialPlan &plan_;
	std::string buf_;
};

enum class DialDecision { Allow, Emergency, Refuse };

// Idle (pool identity): only emergency numbers. Logged in: anything.
DialDecision dial_policy(const DialPlan &plan, bool logged_in, std::string_view number);

} // namespace hotdesk
