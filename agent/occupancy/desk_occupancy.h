// SPDX-License-Identifier: BSD-3-Clause
// Who occupies the phone, power-safe: the persisted occupancy (pool or a
// person), the login in flight, and the single owner of the occupant's
// parsed user profile (BLF keys, language, mailbox). The transaction rules
// are in agent/state/state_store.h: login and roam commit by rewriting the
// occupancy after the new account registered; logout commits first.
//
// A login's profile is held as "pending" from the PBX's answer until the
// swap is committed or rolled back, so a refused roam never lends the
// refused person's keys to the person who stays.
#pragma once

#include "../core/identity.h"
#include "../profile/profile.h"
#include "../state/state_store.h"

#include <optional>
#include <string>

namespace hotdesk
{

class DeskOccupancy
{
public:
	explicit DeskOccupancy(StateStore &store) : store_(store) {}

	struct Restored {
		std::optional<Identity> user; // the person to resume as, if any
		std::string interrupted;      // the ext of a login rolled back at start
		// The occupancy, or the saved person's account, could not be read
		// (damaged, storage error): the phone is the pool and does not know
		// who sat here (the agent asks the PBX, docs/protocol.md).
		bool lost = false;
	};
	// At start: comes back as whoever the phone was at the last commit. An
	// uncommitted login is rolled back (its ext reported); an unreadable
	// state is the pool (`lost`).
	Restored restore();

	// A login or roam is under way: the intent is recorded before the PBX
	// hears of it, so a crash at any later point is rolled back at start.
	void begin_login(const std::string &ext);
	// The PBX accepted: the person's profile (XML from the PBX), parsed
	// once here; the raw text is kept only until it is saved at commit.
	void accepted(const std::string &profile_xml);
	// The login did not happen (refused, PBX unreachable, swap failed).
	void rollback();
	// `label` is "login" or "roam": it names the crash points
	// "<label>.after_save_user" and "<label>.after_commit".
	void commit_user(const Identity &user);
	// Logout, or the phone found no person: nothing of a person outlives it.
	void commit_pool();

	// The person postponed an auto-logout deadline ("Stay"): kept with the
	// occupancy so that it survives a restart (state_store.h, Occupancy::stay).
	void save_stay(const std::string &stay);

	bool pool() const { return record_.pool; }
	// Between the PBX's acceptance and the commit or rollback.
	bool login_pending() const { return login_pending_; }
	const Occupancy &record() const { return record_; }
	// The occupant's profile; nullptr for the pool or when the PBX sent none
	// that parses.
	const UserProfile *profile() const { return profile_ ? &*profile_ : nullptr; }

private:
	static std::optional<UserProfile> parse(const std::string &xml, const std::string &ext);
	void wipe_pending();

	StateStore &store_;
	Occupancy record_;
	std::optional<UserProfile> profile_;
	std::optional<UserProfile> pending_profile_;
	std::string pending_xml_;
	bool login_pending_ = false;
};

} // namespace hotdesk
