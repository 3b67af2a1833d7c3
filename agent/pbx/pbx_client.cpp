// SPDX-License-Identifier: BSD-3-Clause
#include "pbx_client.h"

#include "../core/log.h"
#include "pbx_protocol.h"

namespace hotdesk
{

HttpRequest PbxClient::post(const std::string &what, std::string body) const
{
	HttpRequest r;
	r.method = "POST";
	r.url = cfg_.base_url + "/api/v1/devices/" + cfg_.device_id + "/" + what;
	r.body = std::move(body);
	r.ca_file = cfg_.ca_file;
	r.connect_timeout_ms = cfg_.connect_timeout_ms;
	r.total_timeout_ms = cfg_.total_timeout_ms;
	r.headers.push_back("Authorization: Bearer " + cfg_.token);
	r.headers.push_back("Accept: application/json");
	return r;
}

void PbxClient::login(const std::string &ext, const std::string &pin,
                      std::function<void(LoginResult)> done)
{
	auto body = pbx_login_body(ext, pin);
	if (!body) {
		LoginResult r;
		r.reason = body.error().str();
		done(std::move(r));
		return;
	}
	http_.perform(post("login", std::move(*body)),
	              [this, ext, done](Expected<HttpResponse> resp) { done(judge(ext, resp)); });
}

LoginResult PbxClient::judge(const std::string &ext, const Expected<HttpResponse> &resp)
{
	if (!resp) {
		LoginResult r;
		r.kind = LoginResult::Failed;
		r.reason = resp.error().str();
		return r;
	}
	std::vector<std::string> warnings;
	LoginResult r = pbx_parse_login(resp->status, resp->body, &warnings);
	for (const auto &w : warnings)
		log_warn("pbx: login of " + ext + ": " + w);
	if (resp->status == 200 && r.kind == LoginResult::Refused && is_bad_profile(r.reason))
		undo_login(ext);
	return r;
}

// The PBX accepted a login whose user the phone cannot use: it believes the
// person sits here, so tell it they do not.
void PbxClient::undo_login(const std::string &ext)
{
	logout(ext, [ext](Status s) {
		if (!s)
			log_warn("pbx: undoing the unusable login of " + ext +
			         " failed: " + s.error().str());
	});
}

void PbxClient::resume(const std::string &ext, std::function<void(LoginResult)> done)
{
	auto body = pbx_resume_body(ext);
	if (!body) {
		LoginResult r;
		r.reason = body.error().str();
		done(std::move(r));
		return;
	}
	http_.perform(post("resume", std::move(*body)), [done](Expected<HttpResponse> resp) {
		if (!resp) {
			LoginResult r;
			r.reason = resp.error().str();
			done(std::move(r));
			return;
		}
		done(pbx_parse_resume(resp->status, resp->body));
	});
}

void PbxClient::ask_lost(std::function<void(LoginResult)> done)
{
	http_.perform(post("resume", pbx_lost_body()), [this, done](Expected<HttpResponse> resp) {
		if (!resp) {
			LoginResult r;
			r.reason = resp.error().str();
			done(std::move(r));
			return;
		}
		std::string ext;
		std::vector<std::string> warnings;
		LoginResult r = pbx_parse_lost(resp->status, resp->body, &ext, &warnings);
		for (const auto &w : warnings)
			log_warn("pbx: the person at this phone, " + ext + ": " + w);
		if (r.kind == LoginResult::Refused && is_bad_profile(r.reason) && !ext.empty())
			undo_login(ext);
		done(std::move(r));
	});
}

void PbxClient::logout(const std::string &ext, std::function<void(Status)> done,
                       const std::string &reason)
{
	auto body = pbx_logout_body(ext, reason);
	if (!body) {
		done(body.error());
		return;
	}
	http_.perform(post("logout", std::move(*body)), [done](Expected<HttpResponse> resp) {
		if (!resp)
			done(resp.error());
		else if (resp->status != 200)
			done(make_error("pbx",
			                "logout answered HTTP " + std::to_string(resp->status)));
		else
			done(Ok{});
	});
}

} // namespace hotdesk
