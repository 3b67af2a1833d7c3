// SPDX-License-Identifier: BSD-3-Clause
// The desk's civic location, as RFC 5139 (the PIDF-LO civic address) names
// its fields, and the emergency settings of a device profile (issue 16:
// emergency calls carry the desk, not the person). Pure data: the profile
// parser fills it (docs/profile.md), the status endpoint and the PBX
// notification report it, the idle screen may show a short line of it.
#pragma once

#include <string>
#include <vector>

namespace hotdesk
{

struct CivicAddress {
	std::string country; // RFC 5139 country: ISO 3166-1 alpha-2 ("DE"), upper case
	std::string A1;      // national subdivision (state, region)
	std::string A3;      // city, township
	std::string RD;      // primary road or street
	std::string HNO;     // house number
	std::string BLD;     // building
	std::string FLR;     // floor
	std::string ROOM;    // room

	bool empty() const;
	// A short line for a phone display: where in the building first
	// ("Bldg B, Fl 2, Rm 2.14"), the street when the building says nothing.
	std::string short_line() const;
};

// The fields in RFC 5139's order: its element name and the member.
struct CivicField {
	const char *name; // "country", "A1", ... as in RFC 5139
	std::string CivicAddress::*member;
};
const std::vector<CivicField> &civic_fields();

bool operator==(const CivicAddress &a, const CivicAddress &b);
inline bool operator!=(const CivicAddress &a, const CivicAddress &b)
{
	return !(a == b);
}

struct EmergencySettings {
	// hd_emergency_via_pool: the pool identity stays registered while a
	// person is logged in and every emergency number is dialled on it.
	bool via_pool = false;
	bool location_on_idle = false; // hd_location_on_idle: the idle screen shows short_line()
	CivicAddress location;         // hd_location_*
	std::string callback;          // hd_emergency_callback: dial string or ""
};

} // namespace hotdesk
