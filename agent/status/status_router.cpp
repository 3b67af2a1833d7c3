// SPDX-License-Identifier: BSD-3-Clause
#include "status_router.h"

#include "../../platform/re/re_cxx.h"
#include "../core/account_values.h"

// mbedTLS 2.28's constant_time.h lacks the extern "C" of its other headers.
extern "C" {
#include <mbedtls/constant_time.h>
}

#include <algorithm>
#include <cstdlib>

namespace hotdesk
{

namespace
{

const char *reason_code(int status)
{
	switch (status) {
	case 400:
		return "bad_request";
	case 401:
		return "unauthorized";
	case 404:
		return "not_found";
	case 405:
		return "method_not_allowed";
	case 408:
		return "timeout";
	case 409:
		return "conflict";
	case 413:
		return "body_too_large";
	case 414:
		return "uri_too_long";
	case 429:
		return "too_many_attempts";
	case 431:
		return "headers_too_large";
	case 501:
		return "not_implemented";
	case 505:
		return "version_not_supported";
	default:
		return "internal_error";
	}
}

// {"result":R,"reason":..[,"message":..]} through libre's encoder.
std::string result_json(const char *result, const char *reason, const std::string &message)
{
	ReRef<struct odict> o;
	if (odict_alloc(o.out(), 4) || odict_entry_add(o.get(), "result", ODICT_STRING, result))
		return "{}";
	if (reason && odict_entry_add(o.get(), "reason", ODICT_STRING, reason))
		return "{}";
	if (!message.empty() && odict_entry_add(o.get(), "message", ODICT_STRING, message.c_str()))
		return "{}";
	auto json = odict_json(o.get());
	return json ? *json : "{}";
}

HttpReply json_reply(int status, std::string body)
{
	HttpReply r;
	r.status = status;
	r.content_type = "application/json";
	r.body = std::move(body);
	return r;
}

HttpReply get_status(const ParsedRequest &req, StatusHandler &h, StatusRenderCache *cache)
{
	const StatusSnapshot s = h.snapshot();
	if (prefers_xml(req.header("accept"))) {
		HttpReply r;
		r.content_type = "application/xml; charset=utf-8";
		r.body = cache ? cache->xml(s) : render_xml(s);
		return r;
	}
	std::string body = cache ? cache->json(s) : render_json(s);
	if (body.empty())
		return error_reply(500);
	return json_reply(200, std::move(body));
}

HttpReply action(const Status &st)
{
	if (st.ok())
		return json_reply(202, result_json("accepted", nullptr, ""));
	// Error texts never hold secrets (see core/error.h); they help the
	// PBX admin understand why, e.g., a logout cannot happen right now.
	return json_reply(409, result_json("refused", "conflict", st.error().what));
}

// Whom POST /logout names: {"ext":"100"}, or "" (whoever sits at the
// phone) for no body, {} or "ext": null.
Expected<std::string> logout_target(const std::string &body)
{
	const size_t at = body.find_first_not_of(" \t\r\n");
	if (at == std::string::npos)
		return std::string();
	if (body[at] != '{')
		return make_error("logout body", "not a JSON object");
	ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 8, body.data(), body.size(), 2))
		return make_error("logout body", "not a JSON object");
	const struct odict_entry *e = odict_lookup(o.get(), "ext");
	if (!e || e->type == ODICT_NULL)
		return std::string();
	if (e->type != ODICT_STRING)
		return make_error("logout body", "ext must be a string");
	auto ext = check_extension(e->u.str);
	if (!ext)
		return make_error("logout body", "ext " + ext.error().what);
	return *ext;
}

HttpReply logout(const ParsedRequest &req, StatusHandler &handler)
{
	auto ext = logout_target(req.body);
	if (!ext) // changes nothing; the connection stays usable
		return json_reply(400, result_json("refused", "bad_request", ext.error().str()));
	return action(handler.logout(*ext));
}

HttpReply wrong_method(const char *allow)
{
	HttpReply r = error_reply(405);
	r.headers.emplace_back("Allow", allow);
	return r;
}

std::string lower(std::string s)
{
	for (auto &c : s)
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
	return s;
}

// q-value of one Accept item such as "application/xml;q=0.5".
double item_q(const std::string &item)
{
	const size_t q = item.find(";q=");
	return q == std::string::npos ? 1.0 : std::strtod(item.c_str() + q + 3, nullptr);
}

} // namespace

const std::string &StatusRenderCache::get(Entry &e, const StatusSnapshot &s,
                                          std::string (*render)(const StatusSnapshot &))
{
	if (!e.valid || e.of != s) {
		e.text = render(s);
		e.of = s;
		e.valid = !e.text.empty(); // never cache a failed rendering
	}
	return e.text;
}

const std::string &StatusRenderCache::json(const StatusSnapshot &s)
{
	return get(json_, s, render_json);
}
const std::string &StatusRenderCache::xml(const StatusSnapshot &s)
{
	return get(xml_, s, render_xml);
}

HttpReply route_request(const ParsedRequest &req, StatusHandler &handler, StatusRenderCache *cache)
{
	if (req.path == "/status")
		return req.method == "GET" ? get_status(req, handler, cache) : wrong_method("GET");
	if (req.path == "/logout")
		return req.method == "POST" ? logout(req, handler) : wrong_method("POST");
	if (req.path == "/resync")
		return req.method == "POST" ? action(handler.resync()) : wrong_method("POST");
	return error_reply(404);
}

HttpReply error_reply(int status)
{
	HttpReply r = json_reply(status, result_json("refused", reason_code(status), ""));
	// Parse errors leave the stream position unknown; the rest are
	// answers to a well-formed request.
	r.close = status == 400 || status == 408 || status == 413 || status == 414 ||
	          status == 431 || status == 501 || status == 505;
	return r;
}

HttpReply unauthorized_reply()
{
	HttpReply r = error_reply(401);
	r.headers.emplace_back("WWW-Authenticate", "Bearer");
	return r;
}

HttpReply too_many_reply(uint64_t retry_after_ms)
{
	HttpReply r = error_reply(429);
	r.headers.emplace_back("Retry-After", std::to_string((retry_after_ms + 999) / 1000));
	r.close = true;
	return r;
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
	// A length mismatch still compares a.size() bytes (a against itself), so
	// the time does not tell the secret's length either.
	const bool same_size = a.size() == b.size();
	const int diff = mbedtls_ct_memcmp(a.data(), same_size ? b.data() : a.data(), a.size());
	return same_size && diff == 0;
}

bool bearer_matches(const ParsedRequest &req, const std::string &token)
{
	const std::string *auth = req.header("authorization");
	if (!auth || token.empty() || auth->size() < 7 || lower(auth->substr(0, 7)) != "bearer ")
		return false;
	size_t start = 7;
	while (start < auth->size() && (*auth)[start] == ' ')
		++start;
	return constant_time_equal(std::string_view(*auth).substr(start), token);
}

bool prefers_xml(const std::string *accept)
{
	if (!accept)
		return false;
	double xml = 0, json = 0;
	size_t start = 0;
	while (start <= accept->size()) {
		size_t comma = accept->find(',', start);
		if (comma == std::string::npos)
			comma = accept->size();
		std::string item = lower(accept->substr(start, comma - start));
		item.erase(0, item.find_first_not_of(" \t"));
		for (auto &c : item)
			if (c == ' ' || c == '\t')
				c = '\0'; // "type ; q=0.5" -> ";q=0.5" after the erase below
		item.erase(std::remove(item.begin(), item.end(), '\0'), item.end());
		const double q = item_q(item);
		const std::string type = item.substr(0, item.find(';'));
		if (type == "application/xml" || type == "text/xml")
			xml = std::max(xml, q);
		else if (type == "application/json" || type == "*/*" || type == "application/*")
			json = std::max(json, q);
		start = comma + 1;
	}
	return xml > json;
}

std::string serialize_reply(const HttpReply &r, bool keep_alive)
{
	std::string out;
	out.reserve(256 + r.body.size());
	out += "HTTP/1.1 " + std::to_string(r.status) + " " + http_reason_phrase(r.status) + "\r\n";
	out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
	if (!r.content_type.empty())
		out += "Content-Type: " + r.content_type + "\r\n";
	// Who sits where is personal data: no cache may keep it.
	out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
	for (const auto &h : r.headers)
		out += h.first + ": " + h.second + "\r\n";
	out +=
	    keep_alive && !r.close ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
	out += r.body;
	return out;
}

} // namespace hotdesk
