// SPDX-License-Identifier: BSD-3-Clause
// The phone's conversation with the PBX (docs/protocol.md): login and
// logout requests, and the device profile kept current and cached
// power-safe. The login intent is recorded with the occupancy before the
// PBX hears of a login, so a crash at any later point is rolled back.
#pragma once

#include "../http/http_client.h"
#include "../occupancy/desk_occupancy.h"
#include "../profile/profile.h"
#include "../state/state_store.h"
#include "pbx_client.h"
#include "profile_fetcher.h"

#include <functional>
#include <memory>
#include <string>

namespace hotdesk
{

class PbxConversation
{
public:
	struct Handlers {
		std::function<void(LoginResult)> login_result;
		// A valid device profile: `fresh` is false for the cached one at start.
		std::function<void(const DeviceProfile &, bool fresh)> device_profile;
	};
	// device_profiles: whether this phone fetches its device profile.
	PbxConversation(HttpClient &http, PbxConfig cfg, StateStore &store,
	                DeskOccupancy &occupancy, bool device_profiles, Handlers h);

	// The cached device profile, applied before anything else at start.
	void load_cached();
	// Fetch the device profile now (start, resync, the warm-up of a login).
	Status fetch_profile();
	void set_recheck(unsigned seconds) { fetcher_.set_recheck(seconds); }
	// The next fetch asks unconditionally (no If-None-Match): the profile
	// in hand could not be followed (a provisioned login that failed), so
	// the same profile again must be applied again, not answered 304.
	void refetch_unconditionally() { fetcher_.set_validators("", ""); }

	// The PIN lives only as long as the request needs it; never logged.
	void login(const std::string &ext, const std::string &pin);
	// `reason`: why (docs/protocol.md), "" to leave it out.
	void logout(const std::string &ext, const std::string &reason = "");
	// Confirm a person restored from the state directory (PbxClient::resume).
	void resume(const std::string &ext, std::function<void(LoginResult)> done);
	// The state directory lost who sits here: ask the PBX (PbxClient::ask_lost).
	void ask_lost(std::function<void(LoginResult)> done);
	// The PBX named the person at this phone: record the login (intent,
	// then the profile as accepted) as PbxConversation::login does, so the
	// swap that follows commits or rolls back like a login's.
	void begin_lost_login(const LoginResult &r);
	// A conditional GET of the device profile (usually a 304) opens the TLS
	// connection that the login request then reuses from curl's cache.
	void warm_up();

private:
	PbxClient client_;
	ProfileFetcher fetcher_;
	StateStore &store_;
	DeskOccupancy &occupancy_;
	bool device_profiles_;
	Handlers h_;
};

} // namespace hotdesk
