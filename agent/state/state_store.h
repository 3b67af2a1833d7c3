// SPDX-License-Identifier: BSD-3-Clause
// What the phone must remember across a power cut, on platform::Storage
// (atomic, 0600 files in the state directory):
//
//   occupancy         who the phone is: pool or a person, since when, seq
//   user.<ext>        a person's SIP account (a secret) and display name
//   profile.<ext>.xml the person's profile as the PBX sent it
//   login-intent      a login/roam in flight (no secret): rolled back on start
//   device-profile.xml, device-profile.meta   the cached device profile + ETag
//
// A swap is a transaction. Login and roam write the new person's files
// beside the old ones and commit by rewriting the occupancy, only after the
// new account registered; the files of anyone but the occupant are then
// removed (also at start, after a crash); logout commits first
// (occupancy = pool, person forgotten) and then changes baresip. On start the
// agent re-applies the committed occupancy to baresip, so a crash at any
// point resolves to the old identity (login not committed) or the pool
// (logout), the same on the device, in baresip and at the registrar.
#pragma once

#include "../../platform/storage/storage.h"
#include "../core/identity.h"

#include <cstdint>
#include <optional>
#include <string>

namespace hotdesk
{

struct Occupancy {
	bool pool = true;
	std::string ext;   // the person's extension when !pool
	std::string since; // ISO 8601 UTC
	uint64_t seq = 0;  // increases on every change
};

struct SavedUser {
	Identity id;
	std::string profile_xml;
};

struct CachedProfile {
	std::string xml;
	std::string etag;
	std::string last_modified;
};

class StateStore
{
public:
	explicit StateStore(platform::Storage &s) : s_(s) {}

	Expected<Occupancy> load_occupancy();
	Status save_occupancy(const Occupancy &o);

	Expected<std::optional<SavedUser>> load_user(const std::string &ext);
	// Writes the user's files; the occupancy is committed separately.
	Status save_user(const SavedUser &u);
	// Removes every person's secret and profile except `keep`'s ("" = all).
	Status forget_users_except(const std::string &keep);

	Status begin_login(const std::string &ext);
	Status end_login();
	Expected<std::optional<std::string>> pending_login();

	Expected<std::optional<CachedProfile>> load_device_profile();
	Status save_device_profile(const CachedProfile &p);

private:
	platform::Storage &s_;
};

// "key value" lines; values run to the end of the line. Pure, for tests.
std::string encode_kv(const std::vector<std::pair<std::string, std::string>> &kv);
std::optional<std::string> kv_get(const std::string &text, const std::string &key);

} // namespace hotdesk
