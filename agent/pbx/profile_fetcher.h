// SPDX-License-Identifier: BSD-3-Clause
// Keeps the device profile current: fetches it from the PBX over HTTPS
// (pinned CA, device token), with If-None-Match / If-Modified-Since so an
// unchanged profile costs one round trip, retries with jittered exponential
// backoff, and re-checks every recheck period. A profile that fails to parse
// or validate is reported and never applied.
#pragma once

#include "../core/backoff.h"
#include "../http/http_client.h"
#include "../profile/profile.h"
#include "../state/state_store.h"
#include "pbx_client.h"

#include <functional>

namespace hotdesk
{

class ProfileFetcher
{
public:
	struct Handlers {
		// A new, valid profile (and what to cache).
		std::function<void(const DeviceProfile &, const CachedProfile &)> apply;
		std::function<void(const std::string &error)> failed;
	};

	ProfileFetcher(HttpClient &http, PbxConfig cfg, Handlers h);
	~ProfileFetcher();

	void set_validators(const std::string &etag, const std::string &last_modified);
	void set_recheck(unsigned seconds) { recheck_s_ = seconds; }
	void fetch_now();

private:
	void done(const Expected<HttpResponse> &r);
	void retry_later(const std::string &why);
	void schedule(uint64_t ms);
	static void tmr_h(void *arg);

	HttpClient &http_;
	PbxConfig cfg_;
	Handlers h_;
	std::string etag_, last_modified_;
	unsigned recheck_s_ = 3600;
	// 1 s doubling to 5 min, jittered (core/backoff.h), so a PBX restart is
	// not met by every phone at the same instant.
	Backoff backoff_{BackoffPolicy{1000, 300000}};
	bool in_flight_ = false;
	bool again_ = false;
	struct tmr tmr_ {
	};
};

} // namespace hotdesk
