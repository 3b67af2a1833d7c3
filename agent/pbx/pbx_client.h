// SPDX-License-Identifier: BSD-3-Clause
// The PBX hot-desking service over HTTPS (docs/protocol.md), on HttpClient.
#pragma once

#include "../core/session.h"
#include "../http/http_client.h"

#include <functional>
#include <string>

namespace hotdesk
{

struct PbxConfig {
	std::string base_url;  // https://pbx.example.com:8443
	std::string ca_file;   // pinned CA that signed the PBX's certificate
	std::string device_id; // MAC address as the PBX knows the device
	std::string token;     // per-device secret; never logged
	unsigned connect_timeout_ms = 3000;
	unsigned total_timeout_ms = 8000;
};

class PbxClient
{
public:
	PbxClient(HttpClient &http, PbxConfig cfg) : http_(http), cfg_(std::move(cfg)) {}

	// The PBX's answer as pbx_parse_login() judges it. Dropped decoration of
	// the user profile is logged here; a login the PBX accepted but the phone
	// cannot use (bad_profile) is undone at the PBX with a logout.
	void login(const std::string &ext, const std::string &pin,
	           std::function<void(LoginResult)> done);
	void logout(const std::string &ext, std::function<void(Status)> done,
	            const std::string &reason = "");
	// After a restart with a person in the state directory: may the phone
	// claim them (pbx_parse_resume())? `done` always runs, later.
	void resume(const std::string &ext, std::function<void(LoginResult)> done);
	// After a restart that lost the state: who sits here (pbx_parse_lost())?
	// An answer whose user the phone cannot use (bad_profile) is undone at
	// the PBX with a logout, as for a login. `done` always runs, later.
	void ask_lost(std::function<void(LoginResult)> done);

private:
	HttpRequest post(const std::string &what, std::string body) const;
	LoginResult judge(const std::string &ext, const Expected<HttpResponse> &resp);
	void undo_login(const std::string &ext);

	HttpClient &http_;
	PbxConfig cfg_;
};

} // namespace hotdesk
