// SPDX-License-Identifier: BSD-3-Clause
// The status endpoint's HTTP semantics, without any I/O: which request gets
// which reply. The server adds transport concerns (TLS, timers, limits).
//
//   GET  /status   200, JSON (XML when Accept prefers application/xml)
//   POST /logout   202, the Agent started a forced logout; 409 if it cannot;
//                  body optional: {"ext":"100"} names whom (400 if unusable)
//   POST /resync   202, the Agent started re-fetching profiles; 409 if not
//   other paths    404;  other methods on these paths 405 (with Allow)
// Authentication (bearer token, rate limit) happens before routing, in the
// server, so unauthenticated clients cannot even probe which paths exist.
#pragma once

#include "../core/error.h"
#include "http_parser.h"
#include "status_model.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotdesk
{

// What the server asks of the Agent. Called on the event loop thread; each
// call must return promptly (start work, do not wait for it).
class StatusHandler
{
public:
	virtual ~StatusHandler() = default;
	virtual StatusSnapshot snapshot() = 0;
	// Forced remote logout of `ext` ("" : whoever sits here): back to the
	// pool profile. An error (409) when it concerns nobody here.
	virtual Status logout(const std::string &ext) = 0;
	virtual Status resync() = 0; // re-fetch profiles now
};

struct HttpReply {
	int status = 200;
	std::string content_type; // empty with an empty body
	std::string body;
	std::vector<std::pair<std::string, std::string>> headers; // extra ones
	bool close = false; // close the connection after this reply
};

// The renderings of the last snapshot served. A PBX polling a phone whose
// status has not changed gets the same bytes again; rendering (libre's JSON
// encoder) is otherwise the largest per-request cost.
class StatusRenderCache
{
public:
	const std::string &json(const StatusSnapshot &s);
	const std::string &xml(const StatusSnapshot &s);

private:
	struct Entry {
		bool valid = false;
		StatusSnapshot of;
		std::string text;
	};
	static const std::string &get(Entry &e, const StatusSnapshot &s,
	                              std::string (*render)(const StatusSnapshot &));
	Entry json_, xml_;
};

// `cache` may be null (render every time).
HttpReply route_request(const ParsedRequest &req, StatusHandler &handler,
                        StatusRenderCache *cache = nullptr);

// {"result":"refused","reason":...}; `close` set for parse errors.
HttpReply error_reply(int status);
// 401 with `WWW-Authenticate: Bearer` and nothing else to learn from.
HttpReply unauthorized_reply();
// 429 with Retry-After (whole seconds, rounded up); closes the connection.
HttpReply too_many_reply(uint64_t retry_after_ms);

// Compares secrets in time that depends on the length of `a` (the guess)
// only, never on how many of its bytes are right (mbedtls_ct_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);
// Does the request carry `Authorization: Bearer <token>`? Constant time in
// the token's content; false when `token` is empty.
bool bearer_matches(const ParsedRequest &req, const std::string &token);
// True when the Accept header ranks application/xml (or text/xml) above
// application/json; JSON is the default.
bool prefers_xml(const std::string *accept);

// Status line, headers (Content-Length, Connection, Cache-Control: no-store)
// and body, ready for the wire.
std::string serialize_reply(const HttpReply &r, bool keep_alive);

} // namespace hotdesk
