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
//
// Damage. Every file is sealed (platform/storage/sealed_file.h: format
// version, length, SHA-256, end marker); the key-value files must also hold
// every key they need. A file that fails either check is never used, not
// even in part: the load returns an error for which is_damaged() is true,
// the file is moved aside as <name>.damaged (one per name, the newest; for a
// person's files a summary without the content, so that nothing of a person
// outlives the fallback), the damage is logged and listed in damage(). The
// caller falls back as for a missing file: a damaged occupancy or user file
// means the pool; a damaged device profile means the one from the PBX or
// hotdeskd.conf; a damaged person's profile means the person without BLF
// keys; a damaged login intent means an interrupted login of someone unknown.
// A leftover <name>.tmp (a power cut before the rename) is an uncommitted
// write: PosixStorage::open() discards it and the committed file stands.
// Files of format 1 (release 0.1.0: no header) cannot be told from damaged
// ones, so they are treated as damaged: after that upgrade a person logs in
// again.
#pragma once

#include "../../platform/storage/storage.h"
#include "../core/identity.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hotdesk
{

struct Occupancy {
	bool pool = true;
	std::string ext;   // the person's extension when !pool
	std::string since; // ISO 8601 UTC
	uint64_t seq = 0;  // increases on every change
	// An auto-logout deadline the person postponed ("Stay"):
	// "max_session <unix s>" or "daily <unix s>"; "" for none. Optional in
	// the file (older files have no such line).
	std::string stay;
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

// A state file found damaged and moved aside.
struct StateDamage {
	std::string file;    // e.g. "occupancy"
	std::string reason;  // e.g. "truncated: 12 of 40 body bytes"; never a value
	std::string kept_as; // e.g. "occupancy.damaged"; empty if it could not be kept
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

	// Every damaged file found since this store was made, oldest first.
	const std::vector<StateDamage> &damage() const { return damage_; }
	// The damaged copies in the state directory, found now or on an earlier
	// start (e.g. "occupancy.damaged"): what the status keeps showing until
	// someone has looked at them and removed them.
	std::vector<std::string> kept_damaged();

private:
	struct Sealed {
		std::string raw;  // the file as read
		std::string body; // its verified body
	};
	Expected<std::optional<Sealed>> read_sealed(const std::string &name);
	Status write_sealed(const std::string &name, const std::string &body);
	Error damaged(const std::string &name, const std::string &raw, const std::string &reason);

	platform::Storage &s_;
	std::vector<StateDamage> damage_;
};

// True for the errors of a load that found its file damaged (as opposed to a
// storage error such as EIO, after which the file is left where it is).
bool is_damaged(const Error &e);

// The body of the key-value files: "key value" lines, values to the end of
// the line. Pure, for tests. parse_kv names `file`:line in its errors and
// refuses a line without a key and a repeated key.
using KeyValues = std::map<std::string, std::string>;
std::string encode_kv(const std::vector<std::pair<std::string, std::string>> &kv);
Expected<KeyValues> parse_kv(const std::string &file, const std::string &text);

} // namespace hotdesk
