// SPDX-License-Identifier: BSD-3-Clause
// hotdeskd's configuration: one file in baresip's "key value" style, read
// with the core reader (core/kv_reader.h: comments, line numbers). Every key, its default and its
// meaning are listed in docs/config.md and in the example hotdeskd.conf. Secrets (the pool's SIP
// password, the device's PBX token) live in a separate secrets file that
// must not be readable by group or others.
#pragma once

#include "../core/dial_plan.h"
#include "../core/error.h"
#include "../core/session.h"

#include <string>

namespace hotdesk
{

// Where CMake installs the catalogs (CMAKE_INSTALL_FULL_LOCALEDIR).
std::string default_locale_dir();

struct Config {
	std::string device_id = "02:00:00:00:00:01";
	std::string pool_ext = "HD0001";
	std::string pool_sip_user; // default: pool_ext
	std::string registrar = "127.0.0.1:5060";
	std::string outbound_proxy;
	unsigned register_interval = 300;
	unsigned register_timeout_ms = 8000;
	// hotdeskd's own re-registration while the registrar does not answer
	// (0: off, libre's backoff alone); at most 5 per 10 minutes.
	unsigned register_retry_ms = 120000;
	std::string ctrl_tcp = "127.0.0.1:4444";
	unsigned ctrl_timeout_ms = 3000;
	std::string pbx_url = "https://127.0.0.1:8443";
	std::string pbx_ca = "/etc/hotdesk/pbx-ca.pem";
	unsigned pbx_connect_timeout_ms = 3000;
	unsigned pbx_timeout_ms = 8000;
	std::string secrets_file = "/etc/hotdesk/secrets";
	std::string state_dir = "/var/lib/hotdesk";
	bool device_profile = true; // fetch the device profile from the PBX
	DialPlan dial_plan;
	SessionTimings timings;
	std::string board_dir = "/usr/share/hotdesk/boards/host";
	std::string key_socket = "/run/hotdesk/keys.sock";
	std::string display_log;
	// The display's catalogs: <locale_dir>/<lang>/LC_MESSAGES/hotdesk.mo
	// (docs/i18n.md); default: where CMake installs them.
	std::string locale_dir = default_locale_dir();
	std::string tty = "auto";          // auto | on | off
	std::string log_level = "info";    // debug | info | warn | error
	std::string log_target = "stderr"; // stderr | syslog (the phone packaging)
	// Status endpoint (docs/status-api.yaml). Off when status_listen is "".
	std::string status_listen; // "0.0.0.0:8088"; plain HTTP only on 127.0.0.1
	std::string status_cert;   // TLS certificate (PEM) and key from provisioning
	std::string status_key;
	std::string status_client_ca; // set: PBX must present a client certificate
	std::string status_socket = "/run/hotdesk/status.sock"; // hotdeskctl, 0600; "" = off
	bool status_push = true;                                // POST every change to the PBX
	bool retry_jitter = true; // off: retries wait their full ceiling (core/backoff.h)

	// From secrets_file. pool_password is the factory default until a
	// device profile (cached or fetched) provides the pool account.
	std::string pool_password;
	std::string pbx_token;
	std::string status_token; // bearer token for the status endpoint
};

Expected<Config> config_parse(const std::string &text);
Expected<Config> config_load(const std::string &path);
// Reads pool_password and pbx_token; refuses a file others can read.
Status config_load_secrets(Config &cfg);

} // namespace hotdesk
