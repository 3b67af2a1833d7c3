// SPDX-License-Identifier: BSD-3-Clause
// Device and user profiles in a Snom-style XML settings format
// (docs/profile.md), parsed with tinyxml2 under explicit limits; a device
// profile may also be a Yealink-style .cfg (yealink_cfg.h), chosen by
// content (its "#!version:" line).
//
// What the phone depends on (the pool account, dial plan, options) is
// checked strictly: any problem rejects the profile as a whole with an error
// naming the element and its line, and the caller keeps what it had. The
// account values are checked by agent/core/account_values.h, for whether
// baresip 1.0.0 can use them. Decoration (BLF keys, display names, the
// mailbox, and everything of a user profile) never rejects a document: what
// cannot be used is dropped and said in `warnings`, which the daemon logs.
// No error or warning ever holds a password or a password hash.
#pragma once

#include "../core/auto_logout.h"
#include "../core/civic_address.h"
#include "../core/dial_plan.h"
#include "../core/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

struct ProfileLimits {
	size_t max_bytes = 64 * 1024;
	int max_depth = 4; // settings / phone-settings / element (+1 slack)
	size_t max_elements = 512;
	size_t max_text = 256; // per element that is read
	size_t max_blf = 64;   // further BLF keys are dropped with a warning
};

struct BlfEntry {
	std::string ext;    // monitored extension: digits, *, #, + or a SIP user
	std::string pickup; // call pickup prefix (digits, *, #), may be empty
	std::string label;  // cleaned, at most 64 bytes
};

struct SipAccount {
	std::string user;      // user_name
	std::string auth_user; // user_pname when not user_name (check_auth_user), else empty
	std::string password;  // user_pass: a secret
	std::string host;      // user_host: registrar host[:port]
	std::string outbound;  // user_outbound: SBC / outbound proxy, "sip:..." or empty
	std::string realname;  // user_realname, cleaned (clean_display_name)
	std::string mailbox;   // user_mailbox: voicemail number (digits, *, #) or empty
};

// Settings that belong to the phone and stay when a person roams on.
struct DeviceProfile {
	std::string pool_ext; // hd_pool_ext, default user_name of identity 1
	SipAccount pool;      // identity 1
	DialPlan dial_plan;   // hd_emergency_numbers, hd_login_code, hd_logout_code, hd_dial_codes
	// hd_dial_terminator hash | none; unset: the board's (dial_plan.terminator
	// is then the default and the daemon puts the board's in its place).
	std::optional<DialTerminator> dial_terminator;
	std::string logout_key = "blf1"; // hd_logout_key: blf1 | soft1..soft16 | none
	std::string status_token;        // hd_status_token: a secret
	std::string language = "en";     // language
	std::string timezone = "UTC";    // timezone
	unsigned recheck_s = 3600;       // hd_profile_check_s
	// hd_auto_logout_idle / _max_session ("30m", "8h"), _daily ("19:00",
	// local to `timezone`), _countdown_s (3..600, default 60), _stay
	// (on|off: "Stay" for max_session and daily). All optional.
	AutoLogoutPolicy auto_logout;
	std::vector<BlfEntry> blf;         // the pool's function keys
	EmergencySettings emergency;       // hd_emergency_via_pool, hd_location_*, ...
	std::vector<std::string> warnings; // what was dropped or read differently
};

// Settings that travel with the person. Delivered as the "profile" of a
// login response; the SIP account itself comes in the response's "user"
// object, so the secret is not duplicated here.
struct UserProfile {
	std::string realname; // user_realname idx 1
	std::string mailbox;  // user_mailbox idx 1
	std::string language; // user's language; device-level options stay
	// hd_dial_terminator hash | none: the person's PBX habit, over the
	// device's; anything else is dropped with a warning.
	std::optional<DialTerminator> dial_terminator;
	std::vector<BlfEntry> blf;
	std::vector<std::string> warnings; // what was dropped or read differently
};

Expected<DeviceProfile> parse_device_profile(std::string_view xml, const ProfileLimits &l = {});

// The PBX login flow (hd_login_flow pbx, docs/pbx-flow.md): identity 1 of
// the device profile is a person when its user is not hd_pool_ext.
bool provisions_person(const DeviceProfile &p);
// That person's decoration (display name, mailbox, BLF keys) as a user
// profile document (the Snom XML that parse_user_profile() reads), to keep
// beside them as a login keeps the PBX's. No account, no secret in it.
std::string person_profile_xml(const DeviceProfile &p);

// A user profile is rejected only when it is not a profile at all (not
// well-formed, another root, over the size, element or depth limits); every
// element in it is decoration.
Expected<UserProfile> parse_user_profile(std::string_view xml, const ProfileLimits &l = {});

} // namespace hotdesk
