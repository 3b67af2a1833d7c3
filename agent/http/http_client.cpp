// SPDX-License-Identifier: BSD-3-Clause
#include "http_client.h"

#include "../../platform/memory/wiping_heap.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace hotdesk
{

struct HttpClient::Transfer {
	HttpRequest req;
	Done done;
	CURL *easy = nullptr;
	struct curl_slist *headers = nullptr;
	std::string body;
	std::map<std::string, std::string> resp_headers;
	size_t header_bytes = 0;
	size_t max = 0;
	bool too_big = false;
	char errbuf[CURL_ERROR_SIZE] = {0};

	~Transfer()
	{
		for (auto &c : req.body) // the body may hold a PIN
			c = '\0';
		curl_slist_free_all(headers);
		if (easy)
			curl_easy_cleanup(easy);
	}
};

namespace
{

// libcurl's TLS is the OpenSSL 3 hotdeskd links (Debian's libcurl4-openssl-dev):
// the only backend whose SSL_CTX ssl_ctx_cb knows how to set up. A libcurl on
// another backend (mbedTLS, wolfSSL: some Buildroot and Yocto builds) or on
// OpenSSL 1.1 would hand it a foreign structure.
bool curl_tls_is_our_openssl()
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	return v && v->ssl_version && std::strncmp(v->ssl_version, "OpenSSL/3.", 10) == 0 &&
	       OpenSSL_version_num() >= 0x30000000L;
}

// OpenSSL decrypts a record in place in its read buffer and keeps the plaintext
// there until the next record overwrites it, or frees the buffer unwiped: a
// login response (a SIP password) outlived its person when its connection saw
// nothing after it (test_memory; docs/reliability.md). OpenSSL 3's
// SSL_OP_CLEANSE_PLAINTEXT wipes each record once libcurl has read it, and the
// buffer before it is freed (SSL_CTX_set_options(3)). Without it, no connection.
CURLcode ssl_ctx_cb(CURL *, void *ssl_ctx, void *)
{
	const uint64_t set =
	    SSL_CTX_set_options(static_cast<SSL_CTX *>(ssl_ctx), SSL_OP_CLEANSE_PLAINTEXT);
	return (set & SSL_OP_CLEANSE_PLAINTEXT) ? CURLE_OK : CURLE_SSL_CONNECT_ERROR;
}

} // namespace

HttpClient::HttpClient()
{
	tmr_init(&tmr_);
}

HttpClient::~HttpClient()
{
	tmr_cancel(&tmr_);
	for (auto &kv : transfers_)
		curl_multi_remove_handle(multi_, kv.first);
	transfers_.clear();
	for (auto &kv : watches_)
		fd_close(kv.first);
	watches_.clear();
	if (multi_)
		curl_multi_cleanup(multi_);
}

Status HttpClient::init()
{
	// libcurl's own buffers (the request with the PIN in its body, the
	// download buffer with a SIP password) are wiped when it frees them.
	static const bool global_ok =
	    curl_global_init_mem(CURL_GLOBAL_DEFAULT, std::malloc, platform::wiping_free,
	                         platform::wiping_realloc, platform::wiping_strdup,
	                         std::calloc) == CURLE_OK;
	if (!global_ok)
		return make_error("http", "curl_global_init failed");
	if (!curl_tls_is_our_openssl())
		return make_error("http",
		                  "libcurl's TLS is not OpenSSL 3: its decrypted responses "
		                  "could not be wiped (build against libcurl4-openssl-dev)");
	multi_ = curl_multi_init();
	if (!multi_)
		return make_error("http", "curl_multi_init failed");
	curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
	curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
	return Ok{};
}

void HttpClient::perform(HttpRequest req, Done done)
{
	auto t = std::make_unique<Transfer>();
	t->req = std::move(req);
	t->done = std::move(done);
	t->max = t->req.max_response;
	t->easy = curl_easy_init();
	if (!t->easy) {
		t->done(make_error("http", "curl_easy_init failed"));
		return;
	}
	CURL *e = t->easy;
	Transfer *tp = t.get();
	curl_easy_setopt(e, CURLOPT_URL, tp->req.url.c_str());
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	if (!tp->req.ca_file.empty())
		curl_easy_setopt(e, CURLOPT_CAINFO, tp->req.ca_file.c_str());
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 static_cast<long>(tp->req.connect_timeout_ms));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(tp->req.total_timeout_ms));
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, tp->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, tp);
	curl_easy_setopt(
	    e, CURLOPT_WRITEFUNCTION, +[](char *ptr, size_t size, size_t n, void *userp) -> size_t {
		    auto *tr = static_cast<Transfer *>(userp);
		    const size_t len = size * n;
		    if (tr->body.size() + len > tr->max) {
			    tr->too_big = true;
			    return 0; // aborts the transfer
		    }
		    tr->body.append(ptr, len);
		    return len;
	    });
	curl_easy_setopt(e, CURLOPT_WRITEDATA, tp);
	curl_easy_setopt(
	    e, CURLOPT_HEADERFUNCTION,
	    +[](char *ptr, size_t size, size_t n, void *userp) -> size_t {
		    auto *tr = static_cast<Transfer *>(userp);
		    const size_t len = size * n;
		    tr->header_bytes += len;
		    if (tr->header_bytes > 16 * 1024)
			    return 0; // header flood: abort
		    std::string line(ptr, len);
		    if (line.rfind("HTTP/", 0) == 0)
			    tr->resp_headers.clear(); // a new response (e.g. after 100)
		    const size_t colon = line.find(':');
		    if (colon == std::string::npos)
			    return len;
		    std::string name = line.substr(0, colon);
		    for (auto &c : name)
			    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		    std::string value = line.substr(colon + 1);
		    const size_t b = value.find_first_not_of(" \t");
		    const size_t e2 = value.find_last_not_of(" \t\r\n");
		    value = b == std::string::npos ? "" : value.substr(b, e2 - b + 1);
		    tr->resp_headers[name] = value;
		    return len;
	    });
	curl_easy_setopt(e, CURLOPT_HEADERDATA, tp);
	for (const auto &h : tp->req.headers)
		tp->headers = curl_slist_append(tp->headers, h.c_str());
	if (tp->req.method == "POST") {
		tp->headers = curl_slist_append(tp->headers, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, tp->req.body.c_str());
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(tp->req.body.size()));
	} else if (tp->req.method != "GET") {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, tp->req.method.c_str());
	}
	tp->headers = curl_slist_append(tp->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, tp->headers);
	transfers_[e] = std::move(t);
	if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
		auto owned = std::move(transfers_[e]);
		transfers_.erase(e);
		owned->done(make_error("http", "cannot start request"));
	}
}

int HttpClient::socket_cb(CURL *, curl_socket_t fd, int what, void *userp, void *)
{
	auto *self = static_cast<HttpClient *>(userp);
	if (what == CURL_POLL_REMOVE) {
		fd_close(fd);
		self->watches_.erase(fd);
		return 0;
	}
	int flags = 0;
	if (what & CURL_POLL_IN)
		flags |= FD_READ;
	if (what & CURL_POLL_OUT)
		flags |= FD_WRITE;
	auto &w = self->watches_[fd];
	if (!w)
		w.reset(new Watch{self, fd});
	fd_listen(fd, flags, fd_h, w.get());
	return 0;
}

int HttpClient::timer_cb(CURLM *, long timeout_ms, void *userp)
{
	auto *self = static_cast<HttpClient *>(userp);
	if (timeout_ms < 0)
		tmr_cancel(&self->tmr_);
	else
		tmr_start(&self->tmr_, static_cast<uint64_t>(timeout_ms), tmr_h, self);
	return 0;
}

void HttpClient::fd_h(int flags, void *arg)
{
	auto *w = static_cast<Watch *>(arg);
	int ev = 0;
	if (flags & FD_READ)
		ev |= CURL_CSELECT_IN;
	if (flags & FD_WRITE)
		ev |= CURL_CSELECT_OUT;
	if (flags & FD_EXCEPT)
		ev |= CURL_CSELECT_ERR;
	w->self->action(w->fd, ev);
}

void HttpClient::tmr_h(void *arg)
{
	static_cast<HttpClient *>(arg)->action(CURL_SOCKET_TIMEOUT, 0);
}

void HttpClient::action(int fd, int ev)
{
	int running = 0;
	curl_multi_socket_action(multi_, fd, ev, &running);
	reap();
}

void HttpClient::reap()
{
	int left = 0;
	while (CURLMsg *msg = curl_multi_info_read(multi_, &left)) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *e = msg->easy_handle;
		const CURLcode rc = msg->data.result;
		curl_multi_remove_handle(multi_, e);
		auto it = transfers_.find(e);
		if (it == transfers_.end())
			continue;
		auto t = std::move(it->second);
		transfers_.erase(it);
		if (t->too_big) {
			t->done(make_error("http", "response larger than " +
			                               std::to_string(t->max) + " bytes"));
			continue;
		}
		if (rc != CURLE_OK) {
			std::string why = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
			t->done(make_error("http", why));
			continue;
		}
		HttpResponse r;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
		r.body = std::move(t->body);
		r.headers = std::move(t->resp_headers);
		t->done(std::move(r));
	}
}

} // namespace hotdesk
