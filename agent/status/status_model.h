// SPDX-License-Identifier: BSD-3-Clause
// What the status endpoint reports, and its JSON and XML renderings.
// Contract: docs/status-api.yaml. Values are always written through an
// encoder (libre's JSON encoder, tinyxml2's printer) so that a user name
// with quotes or angle brackets cannot break the document.
#pragma once

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
	// State files found damaged and kept aside for diagnosis, as named in the
	// state directory ("occupancy.damaged,user.100.damaged"); "" when none.
	std::string state_damaged;
	uint64_t calls = 0; // calls up (never who with)
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
//  "pending":..,"state_damaged":..,"calls":N,
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
