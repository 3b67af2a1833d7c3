// SPDX-License-Identifier: BSD-3-Clause
#include "profile_fetcher.h"

#include "../core/log.h"

#include <utility>

namespace hotdesk
{

ProfileFetcher::ProfileFetcher(HttpClient &http, PbxConfig cfg, Handlers h)
    : http_(http), cfg_(std::move(cfg)), h_(std::move(h))
{
	tmr_init(&tmr_);
}

ProfileFetcher::~ProfileFetcher()
{
	tmr_cancel(&tmr_);
}

void ProfileFetcher::set_validators(const std::string &etag, const std::string &last_modified)
{
	etag_ = etag;
	last_modified_ = last_modified;
}

void ProfileFetcher::fetch_now()
{
	tmr_cancel(&tmr_);
	if (in_flight_) {
		again_ = true; // a resync during a fetch: fetch once more after it
		return;
	}
	in_flight_ = true;
	HttpRequest r;
	r.url = cfg_.base_url + "/api/v1/devices/" + cfg_.device_id + "/profile.xml";
	r.ca_file = cfg_.ca_file;
	r.connect_timeout_ms = cfg_.connect_timeout_ms;
	r.total_timeout_ms = cfg_.total_timeout_ms;
	r.max_response = 64 * 1024;
	r.headers.push_back("Authorization: Bearer " + cfg_.token);
	r.headers.push_back("Accept: application/xml");
	if (!etag_.empty())
		r.headers.push_back("If-None-Match: " + etag_);
	if (!last_modified_.empty())
		r.headers.push_back("If-Modified-Since: " + last_modified_);
	http_.perform(std::move(r), [this](const Expected<HttpResponse> &resp) { done(resp); });
}

void ProfileFetcher::done(const Expected<HttpResponse> &r)
{
	in_flight_ = false;
	if (!r) {
		retry_later(r.error().str());
	} else if (r->status == 304) {
		backoff_.reset();
		log_debug("profile: device profile unchanged");
		schedule(uint64_t(recheck_s_) * 1000);
	} else if (r->status != 200) {
		retry_later("PBX answered HTTP " + std::to_string(r->status) +
		            " for the device profile");
	} else if (auto p = parse_device_profile(r->body); !p) {
		retry_later("device profile rejected: " + p.error().str());
	} else {
		backoff_.reset();
		CachedProfile c{r->body, r->header("etag"), r->header("last-modified")};
		set_validators(c.etag, c.last_modified);
		recheck_s_ = p->recheck_s;
		h_.apply(*p, c);
		schedule(uint64_t(recheck_s_) * 1000);
	}
	if (again_) {
		again_ = false;
		fetch_now();
	}
}

void ProfileFetcher::retry_later(const std::string &why)
{
	const uint64_t ms = backoff_.next_ms();
	log_warn("profile: " + why + "; retry in " + std::to_string(ms) + " ms");
	if (h_.failed)
		h_.failed(why);
	schedule(ms);
}

void ProfileFetcher::schedule(uint64_t ms)
{
	tmr_start(&tmr_, ms, tmr_h, this);
}

void ProfileFetcher::tmr_h(void *arg)
{
	static_cast<ProfileFetcher *>(arg)->fetch_now();
}

} // namespace hotdesk
