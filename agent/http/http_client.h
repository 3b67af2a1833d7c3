// SPDX-License-Identifier: BSD-3-Clause
// HTTPS client: libcurl's multi interface driven by libre's fd watching and
// timers, so nothing blocks the event loop while a request is in flight.
// Every request has a connect and a total timeout and a response size cap.
// The server is verified against a pinned CA file; verification is never
// switched off.
#pragma once

#include "../../platform/re/re_cxx.h"
#include "../core/error.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace hotdesk
{

struct HttpRequest {
	std::string method = "GET";
	std::string url;
	std::string body; // may hold a secret: wiped after the transfer
	std::vector<std::string> headers;
	std::string ca_file;
	unsigned connect_timeout_ms = 3000;
	unsigned total_timeout_ms = 8000;
	size_t max_response = 64 * 1024;
};

struct HttpResponse {
	long status = 0;
	std::string body;
	// Response headers, names in lower case (last one wins). Capped.
	std::map<std::string, std::string> headers;
	std::string header(const std::string &lower_name) const
	{
		auto it = headers.find(lower_name);
		return it == headers.end() ? std::string() : it->second;
	}
};

class HttpClient
{
public:
	using Done = std::function<void(Expected<HttpResponse>)>;

	HttpClient();
	~HttpClient();
	HttpClient(const HttpClient &) = delete;
	HttpClient &operator=(const HttpClient &) = delete;

	Status init();
	void perform(HttpRequest req, Done done);
	size_t in_flight() const { return transfers_.size(); }

private:
	struct Transfer;

	static int socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp);
	static int timer_cb(CURLM *m, long timeout_ms, void *userp);
	static void fd_h(int flags, void *arg);
	static void tmr_h(void *arg);
	void action(int fd, int ev);
	void reap();

	struct Watch {
		HttpClient *self;
		int fd;
	};

	CURLM *multi_ = nullptr;
	struct tmr tmr_ {
	};
	std::map<CURL *, std::unique_ptr<Transfer>> transfers_;
	std::map<int, std::unique_ptr<Watch>> watches_;
};

} // namespace hotdesk
