// SPDX-License-Identifier: BSD-3-Clause
#include "pbx_conversation.h"

#include "../../platform/fault/crash_point.h"
#include "../core/log.h"

namespace hotdesk
{

PbxConversation::PbxConversation(HttpClient &http, PbxConfig cfg, StateStore &store,
                                 DeskOccupancy &occupancy, bool device_profiles, Handlers h)
    : client_(http, cfg),
      fetcher_(http, cfg,
               ProfileFetcher::Handlers{
                   [this](const DeviceProfile &p, const CachedProfile &c) {
	                   if (auto s = store_.save_device_profile(c); !s)
		                   log_error("pbx: cannot cache the device profile: " +
		                             s.error().str());
	                   h_.device_profile(p, true);
                   },
                   [](const std::string &) {}}),
      store_(store), occupancy_(occupancy), device_profiles_(device_profiles), h_(std::move(h))
{
}

void PbxConversation::load_cached()
{
	auto cached = store_.load_device_profile();
	if (!cached || !*cached)
		return;
	auto p = parse_device_profile((*cached)->xml);
	if (!p) {
		log_error("pbx: cached device profile unusable: " + p.error().str());
		return;
	}
	fetcher_.set_validators((*cached)->etag, (*cached)->last_modified);
	h_.device_profile(*p, false);
}

Status PbxConversation::fetch_profile()
{
	if (!device_profiles_)
		return make_error("pbx", "device profiles are off on this phone");
	fetcher_.fetch_now();
	return Ok{};
}

void PbxConversation::warm_up()
{
	if (device_profiles_)
		fetcher_.fetch_now();
}

void PbxConversation::login(const std::string &ext, const std::string &pin)
{
	log_info("pbx: asking the PBX to log in " + ext);
	occupancy_.begin_login(ext);
	const std::string label = occupancy_.pool() ? "login" : "roam";
	client_.login(ext, pin, [this, ext, label](LoginResult r) {
		if (r.kind != LoginResult::Accepted) {
			log_warn("pbx: login of " + ext + " not accepted: " + r.reason);
			occupancy_.rollback();
		} else {
			occupancy_.accepted(r.profile_xml);
		}
		platform::crash_point((label + ".after_pbx").c_str());
		h_.login_result(std::move(r));
	});
}

void PbxConversation::resume(const std::string &ext, std::function<void(LoginResult)> done)
{
	log_info("pbx: asking the PBX whether " + ext + " still sits here");
	client_.resume(ext, std::move(done));
}

void PbxConversation::ask_lost(std::function<void(LoginResult)> done)
{
	log_info("pbx: the state was lost; asking the PBX who sits at this phone");
	client_.ask_lost(std::move(done));
}

void PbxConversation::begin_lost_login(const LoginResult &r)
{
	occupancy_.begin_login(r.user.ext);
	occupancy_.accepted(r.profile_xml);
}

void PbxConversation::logout(const std::string &ext, const std::string &reason)
{
	client_.logout(
	    ext,
	    [ext](Status s) {
		    if (!s)
			    log_warn("pbx: telling the PBX about the logout of " + ext +
			             " failed: " + s.error().str());
	    },
	    reason);
}

} // namespace hotdesk
