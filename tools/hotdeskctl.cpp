// SPDX-License-Identifier: BSD-3-Clause
// hotdeskctl: the technician's view of hotdeskd, over its local UNIX socket
// (the daemon checks that we run as its user or as root; no token needed).
//
//   hotdeskctl [--socket PATH] status [--json]
//   hotdeskctl [--socket PATH] logout
//   hotdeskctl [--socket PATH] resync
//
// Exit status: 0 healthy / done, 1 unhealthy / refused, 2 usage or
// connection error (so scripts can tell "phone is sick" from "can't ask").
#include "agent/status/status_model.h"
#include "platform/re/re_cxx.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace
{

constexpr const char *kDefaultSocket = "/run/hotdesk/status.sock";
constexpr long kTimeoutMs = 5000;
constexpr size_t kMaxResponse = size_t{64} * 1024;

enum Exit { kHealthy = 0, kUnhealthy = 1, kUsage = 2 };

struct Response {
	long status = 0;
	std::string body;
};

int usage()
{
	std::fprintf(stderr,
	             "usage: hotdeskctl [--socket PATH] status [--json] | logout | resync\n"
	             "       default socket: %s (or $HOTDESK_STATUS_SOCKET)\n",
	             kDefaultSocket);
	return kUsage;
}

// Keeps at most kMaxResponse bytes; a larger answer fails the transfer.
size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	auto *body = static_cast<std::string *>(arg);
	if (body->size() + size * n > kMaxResponse)
		return 0;
	body->append(p, size * n);
	return size * n;
}

// One HTTP/1.1 request to hotdeskd over its UNIX socket (libcurl's
// CURLOPT_UNIX_SOCKET_PATH), bounded in time and size.
bool exchange(const std::string &socket, const std::string &method, const std::string &path,
              Response &r)
{
	CURL *c = curl_easy_init();
	if (!c)
		return false;
	struct curl_slist *headers = curl_slist_append(nullptr, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
	curl_easy_setopt(c, CURLOPT_URL, ("http://localhost" + path).c_str());
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, kTimeoutMs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	if (method == "POST") {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	const CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	else
		std::fprintf(stderr, "hotdeskctl: %s: %s\n", socket.c_str(),
		             curl_easy_strerror(rc));
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return rc == CURLE_OK && r.status >= 100;
}

int cmd_status(const std::string &socket, bool json)
{
	Response r;
	if (!exchange(socket, "GET", "/status", r))
		return kUsage;
	auto s = hotdesk::parse_status_json(r.body);
	if (r.status != 200 || !s) {
		std::fprintf(stderr, "hotdeskctl: unexpected answer (HTTP %ld)\n", r.status);
		return kUsage;
	}
	if (json)
		std::printf("%s\n", r.body.c_str());
	else
		std::fputs(hotdesk::render_text(*s).c_str(), stdout);
	return hotdesk::status_healthy(*s) ? kHealthy : kUnhealthy;
}

int cmd_action(const std::string &socket, const std::string &what)
{
	Response r;
	if (!exchange(socket, "POST", "/" + what, r))
		return kUsage;
	if (r.status == 202) {
		std::printf("%s requested\n", what.c_str());
		return kHealthy;
	}
	std::string message;
	hotdesk::ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 8, r.body.data(), r.body.size(), 2) == 0)
		message = hotdesk::odict_str(o.get(), "message");
	std::printf("%s refused (HTTP %ld)%s%s\n", what.c_str(), r.status,
	            message.empty() ? "" : ": ", message.c_str());
	return kUnhealthy;
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = std::getenv("HOTDESK_STATUS_SOCKET");
	std::string socket = env && *env ? env : kDefaultSocket;
	int i = 1;
	if (i + 1 < argc && std::strcmp(argv[i], "--socket") == 0) {
		socket = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage();
	const std::string cmd = argv[i++];
	bool json = false;
	if (cmd == "status" && i < argc && std::strcmp(argv[i], "--json") == 0) {
		json = true;
		++i;
	}
	if (i != argc || (cmd != "status" && cmd != "logout" && cmd != "resync"))
		return usage();
	if (libre_init() != 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		std::fprintf(stderr, "hotdeskctl: cannot initialise libre or libcurl\n");
		return kUsage;
	}
	const int rc = cmd == "status" ? cmd_status(socket, json) : cmd_action(socket, cmd);
	curl_global_cleanup();
	libre_close();
	return rc;
}
