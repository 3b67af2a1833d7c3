// SPDX-License-Identifier: BSD-3-Clause
#include "status_endpoint.h"

#include "../core/log.h"

namespace hotdesk
{

Expected<std::unique_ptr<StatusServer>> open_status_endpoint(const Config &cfg,
                                                             StatusHandler &handler)
{
	if (cfg.status_listen.empty() && cfg.status_socket.empty())
		return std::unique_ptr<StatusServer>();
	StatusServerConfig sc;
	sc.listen = cfg.status_listen;
	sc.token = cfg.status_token;
	sc.cert_file = cfg.status_cert;
	sc.key_file = cfg.status_key;
	sc.client_ca_file = cfg.status_client_ca;
	sc.unix_path = cfg.status_socket;
	if (!sc.listen.empty() && sc.token.empty())
		return make_error("config:status_listen",
		                  "needs status_token in the secrets file "
		                  "or hd_status_token in the device profile");
	auto server = std::make_unique<StatusServer>(sc, handler);
	if (auto s = server->start(); !s)
		return s.error();
	log_info("agent: status endpoint " +
	         (sc.listen.empty() ? std::string("off")
	                            : sc.listen + (sc.cert_file.empty() ? " (http)" : " (https)")) +
	         (sc.unix_path.empty() ? "" : ", local socket " + sc.unix_path));
	return server;
}

} // namespace hotdesk
