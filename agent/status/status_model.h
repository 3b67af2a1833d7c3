// SPDX-License-Identifier: BSD-3-Clause
// What the status endpoint reports, and its JSON and XML renderings.
// Contract: docs/status-api.yaml. Values are always written through an
// encoder (libre's JSON encoder, tinyxml2's printer) so that a user name
// with quotes or angle brackets cannot break the document.
#pragma once

#include "../core/civic_address.h"
#include "../core/error.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace hotdesk
{

struct StatusSnapshot {
	std::string device_id; // MAC, lower-case, colon separated
	std::string pool_ext;  // the pool account's extension
	std::string state;     // idle | logging-in | logged-in | logging-out | error
	std::string user_ext;  // empty when nobody is logged in
	std::string user_name;
	std::string since_iso;    // UTC, ISO 8601: when `state` was entered
	std::string registration; // registered | registering | failed | unknown
	std::string last_error;   // empty when none; never a secret
	std::string pending;      // "" | logout | login: waits for the calls to end
	uint64_t calls = 0;       // calls up (never who with)
	// Auto-logout (docs/profile.md): the device's policy ("idle 30m, daily
	// 19:00 Europe/Berlin", "" for none), the next deadline's reason
	// (idle | max_session | daily | "") and time (ISO 8601 UTC | ""). The
	// idle deadline moves with every key, so these alone never make a new
	// snapshot (no seq, no push): a poll reads them fresh.
	std::string auto_logout_policy, auto_logout_next, auto_logout_at;
	// Why the last logout happened: user | pbx | idle | max_session | daily
	// | "" (none since start).
	std::string logout_reason;
	// Which identity emergency calls go out on (issue 16): "pool" (kept
	// registered beside the person's) or "occupant" (whoever is on the
	// phone), its extension and registration word; the desk's location.
	std::string emergency_via = "occupant";
	std::string emergency_ext;
	std::string emergency_registration;
	std::string emergency_callback;
	CivicAddress location;
	// State files found damaged and kept aside for diagnosis, as named in the
	// state directory ("occupancy.damaged,user.100.damaged"); "" when none.
	std::string state_damaged;
	std::string version;
	uint64_t uptime_s = 0;
	uint64_t seq = 0; // increases on every change
};

bool operator==(const StatusSnapshot &a, const StatusSnapshot &b);
inline bool operator!=(const StatusSnapshot &a, const StatusSnapshot &b)
{
	return !(a == b);
}

// {"device":{"mac":..,"pool_ext":..},"state":..,"since":..,
//  "user":{"ext":..,"name":..}|null,"registration":..,"last_error":..,
//  "pending":..,"state_damaged":..,"calls":N,"auto_logout_policy":..,
//  "auto_logout_next":..,"auto_logout_at":..,"logout_reason":..,
//  "emergency":{"via":"pool"|"occupant","ext":..,"registration":..,
//               "callback":..,"location":{"country":..,"A1":..,..,"ROOM":..}},
//  "version":..,"uptime_s":N,"seq":N}
std::string render_json(const StatusSnapshot &s);
// <status> with the same fields as elements; <user> absent when idle.
std::string render_xml(const StatusSnapshot &s);
// A few aligned lines for a technician (hotdeskctl).
std::string render_text(const StatusSnapshot &s);
// The inverse of render_json (hotdeskctl, tests).
Expected<StatusSnapshot> parse_status_json(std::string_view json);

// Healthy: idle or logged in, with the current account registered.
bool status_healthy(const StatusSnapshot &s);

} // namespace hotdesk
