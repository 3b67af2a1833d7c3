// SPDX-License-Identifier: BSD-3-Clause
#include "desk_occupancy.h"

#include "../../platform/clock/clock.h"
#include "../../platform/fault/crash_point.h"
#include "../core/log.h"
#include "../core/text.h"

namespace hotdesk
{

std::optional<UserProfile> DeskOccupancy::parse(const std::string &xml, const std::string &ext)
{
	if (xml.empty())
		return std::nullopt;
	auto p = parse_user_profile(xml);
	if (!p) {
		log_warn("occupancy: the profile of " + ext + " is unusable: " + p.error().str());
		return std::nullopt;
	}
	return *p;
}

DeskOccupancy::Restored DeskOccupancy::restore()
{
	Restored out;
	if (auto pending = store_.pending_login(); pending && *pending) {
		out.interrupted = **pending;
		log_warn("occupancy: a login of " + out.interrupted +
		         " was interrupted; rolling it back");
		(void)store_.end_login();
	}
	auto occ = store_.load_occupancy();
	if (!occ) {
		log_error("occupancy: " + occ.error().str() + "; starting as the pool");
		commit_pool();
		out.lost = true;
		return out;
	}
	record_ = *occ;
	if (record_.pool) {
		(void)store_.forget_users_except(""); // nothing of a person outlives a logout
		return out;
	}
	auto u = store_.load_user(record_.ext);
	if (!u || !*u) {
		log_error("occupancy: saved user missing or corrupt; starting as the pool");
		commit_pool();
		out.lost = true;
		return out;
	}
	(void)store_.forget_users_except(record_.ext); // a rolled-back roam's files
	profile_ = parse((*u)->profile_xml, record_.ext);
	wipe_secret((*u)->profile_xml);
	out.user = std::move((*u)->id);
	log_info("occupancy: restored " + record_.ext + " from the state directory");
	return out;
}

void DeskOccupancy::begin_login(const std::string &ext)
{
	if (auto s = store_.begin_login(ext); !s)
		log_error("occupancy: cannot record the login: " + s.error().str());
}

void DeskOccupancy::accepted(const std::string &profile_xml)
{
	wipe_pending();
	pending_xml_ = profile_xml;
	pending_profile_ = parse(profile_xml, "the person logging in");
	login_pending_ = true;
}

void DeskOccupancy::rollback()
{
	wipe_pending();
	(void)store_.end_login();
}

void DeskOccupancy::commit_user(const Identity &user)
{
	const std::string label = record_.pool ? "login" : "roam";
	if (auto s = store_.save_user({user, pending_xml_}); !s) {
		log_error("occupancy: cannot save the user: " + s.error().str());
		return;
	}
	platform::crash_point((label + ".after_save_user").c_str());
	record_ = Occupancy{false, user.ext, utc_now_iso8601(), record_.seq + 1, ""};
	if (auto s = store_.save_occupancy(record_); !s)
		log_error("occupancy: cannot save the occupancy: " + s.error().str());
	platform::crash_point((label + ".after_commit").c_str());
	(void)store_.forget_users_except(user.ext); // the person who roamed away
	(void)store_.end_login();
	profile_ = std::move(pending_profile_);
	wipe_pending();
}

void DeskOccupancy::commit_pool()
{
	const bool changed = !record_.pool;
	if (auto s = store_.forget_users_except(""); !s)
		log_error("occupancy: cannot remove the user's files: " + s.error().str());
	if (changed || record_.seq == 0) {
		record_ = Occupancy{true, "", utc_now_iso8601(), record_.seq + 1, ""};
		if (auto s = store_.save_occupancy(record_); !s)
			log_error("occupancy: cannot save the occupancy: " + s.error().str());
	}
	profile_.reset();
	wipe_pending();
}

void DeskOccupancy::save_stay(const std::string &stay)
{
	if (record_.pool || record_.stay == stay)
		return;
	record_.stay = stay;
	if (auto s = store_.save_occupancy(record_); !s)
		log_error("occupancy: cannot save the postponed auto logout: " + s.error().str());
}

void DeskOccupancy::wipe_pending()
{
	login_pending_ = false;
	wipe_secret(pending_xml_);
	pending_profile_.reset();
}

} // namespace hotdesk
