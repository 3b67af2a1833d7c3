// SPDX-License-Identifier: BSD-3-Clause
// Device and user profiles in a Snom-style XML settings format
// (docs/profile.md), parsed with tinyxml2 under explicit limits. A profile
// that fails any check is rejected as a whole with an error naming the
// element and the problem; the caller keeps what it had.
#pragma once

#include "../core/dial_plan.h"
#include "../core/error.h"

#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

struct ProfileLimits {
	size_t max_bytes = 64 * 1024;
	int max_depth = 4; // settings / phone-settings / element (+1 slack)
	size_t max_elements = 512;
	size_t max_text = 256;
	size_t max_blf = 64;
};

struct BlfEntry {
	std::string ext;    // monitored extension
	std::string pickup; // call pickup prefix, may be empty
	std::string label;
};

struct SipAccount {
	std::string user;     // user_name
	std::string password; // user_pass: a secret
	std::string host;     // user_host: registrar host[:port]
	std::string outbound; // user_outbound: SBC / outbound proxy
	std::string realname; // user_realname
	std::string mailbox;  // user_mailbox: voicemail number
};

// Settings that belong to the phone and stay when a person roams on.
struct DeviceProfile {
	std::string pool_ext; // hd_pool_ext, default user_name of identity 1
	SipAccount pool;      // identity 1
	DialPlan dial_plan;   // hd_emergency_numbers, hd_login_code, hd_logout_code, hd_dial_codes
	std::string logout_key = "blf1"; // hd_logout_key: blf1 | soft1..soft16 | none
	std::string status_token;        // hd_status_token: a secret
	std::string language = "en";     // language
	std::string timezone = "UTC";    // timezone
	unsigned recheck_s = 3600;       // hd_profile_check_s
	std::vector<BlfEntry> blf;       // the pool's function keys
};

// Settings that travel with the person. Delivered as the "profile" of a
// login response; the SIP account itself comes in the response's "user"
// object, so the secret is not duplicated here.
struct UserProfile {
	std::string realname; // user_realname idx 1
	std::string mailbox;  // user_mailbox idx 1
	std::string language; // user's language; device-level options stay
	std::vector<BlfEntry> blf;
};

Expected<DeviceProfile> parse_device_profile(std::string_view xml, const ProfileLimits &l = {});
Expected<UserProfile> parse_user_profile(std::string_view xml, const ProfileLimits &l = {});

} // namespace hotdesk
