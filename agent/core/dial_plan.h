// SPDX-License-Identifier: BSD-3-Clause
// Feature codes and emergency numbers, and how a typed buffer is classified.
//
// The agent owns the dial path (baresip 1.0.0 cannot hold an INVITE for an
// outside controller), so every key goes through here first: feature codes
// and PINs never reach the SIP network.
#pragma once

#include "error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

// What '#' does while a number is typed. PBX dial plans use '#' inside
// numbers and codes ("*31#<number>" shows the caller ID for one call), so a
// phone that always ends the number at '#' dials a prefix the person did not
// finish. Set per board (docs/boards.md), overridden by the device or the
// person's profile (docs/profile.md).
enum class DialTerminator {
	Hash, // '#' ends a number; a '#' typed before anything else starts one
	None, // '#' is a dial character; Send (or the inter-digit timeout) ends a number
};
// "hash" or "none"; nullopt for anything else.
std::optional<DialTerminator> parse_dial_terminator(std::string_view word);
const char *dial_terminator_name(DialTerminator t);

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
	DialTerminator terminator = DialTerminator::Hash;
	// The PBX login flow (3CX, FreePBX: docs/pbx-flow.md): the login and
	// logout codes are dialled to the PBX as calls (its IVR takes the PIN as
	// DTMF) and the PBX reprovisions the phone; false: our HTTPS login.
	bool login_by_call = false;
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

// Classify `buf` (digits, '*' and '#' where it is a dial character; a
// terminating '#' and Send are not part of it). `terminated` is true after a
// terminating '#', Send or the inter-digit timeout.
DialMatch classify(const DialPlan &plan, std::string_view buf, bool terminated);

// Collects dial characters and classifies after each one.
class DigitCollector
{
public:
	explicit DigitCollector(const DialPlan &plan) : plan_(plan) {}

	DialMatch push(char c); // '0'..'9', '*', or '#' when !hash_ends()
	// Whether the '#' key ends what is typed now (plan terminator Hash and
	// something typed), rather than being pushed as a dial character.
	bool hash_ends() const;
	DialMatch terminate(); // a terminating '#' or Send: classify and clear
	// The inter-digit timeout: as terminate(), except that a number ending
	// in '*' or '#' is a code waiting for its argument ("*31#", "*21*"): it
	// stays (Incomplete) until Send, so a pause never dials a prefix.
	DialMatch expire();
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
