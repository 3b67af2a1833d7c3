// SPDX-License-Identifier: BSD-3-Clause
#include "http_parser.h"

#include <algorithm>
#include <cstring>

namespace hotdesk
{

namespace
{

// Empty lines tolerated before a request line (RFC 9112 2.2 allows some,
// clients send one after a POST body); more than this is garbage.
constexpr int kMaxLeadingEmptyLines = 4;
constexpr size_t kMaxMethod = 32;

bool is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view s)
{
	return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
		return is_tchar(static_cast<unsigned char>(c));
	});
}

// Field values: visible ASCII, SP, HTAB and obs-text; no other controls.
bool is_field_value(std::string_view s)
{
	return std::all_of(s.begin(), s.end(), [](char ch) {
		const auto c = static_cast<unsigned char>(ch);
		return c == '\t' || (c >= 0x20 && c != 0x7f);
	});
}

bool is_target(std::string_view s)
{
	if (s.empty() || s[0] != '/')
		return false; // origin-form only: this server is no proxy
	return std::all_of(s.begin(), s.end(), [](char ch) {
		const auto c = static_cast<unsigned char>(ch);
		return c > 0x20 && c < 0x7f;
	});
}

std::string_view trim_ows(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

std::string lower(std::string_view s)
{
	std::string out(s);
	for (auto &c : out)
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
	return out;
}

// Does the comma-separated token list `list` contain `tok` (any case)?
bool has_token(std::string_view list, std::string_view tok)
{
	while (!list.empty()) {
		const size_t comma = list.find(',');
		const std::string_view item = trim_ows(list.substr(0, comma));
		if (lower(item) == tok)
			return true;
		if (comma == std::string_view::npos)
			break;
		list.remove_prefix(comma + 1);
	}
	return false;
}

} // namespace

const std::string *ParsedRequest::header(std::string_view lower_name) const
{
	for (const auto &h : headers)
		if (h.first == lower_name)
			return &h.second;
	return nullptr;
}

HttpRequestParser::HttpRequestParser(HttpParseLimits limits) : limits_(limits) {}

void HttpRequestParser::feed(std::string_view bytes)
{
	if (stage_ == Stage::Failed)
		return;
	compact();
	buf_.append(bytes.data(), bytes.size());
}

bool HttpRequestParser::in_request() const
{
	return stage_ == Stage::Headers || stage_ == Stage::Body ||
	       (stage_ == Stage::RequestLine && buffered() > 0);
}

void HttpRequestParser::compact()
{
	if (pos_ == 0)
		return;
	buf_.erase(0, pos_);
	pos_ = 0;
}

HttpRequestParser::Result HttpRequestParser::fail(int status, std::string reason)
{
	stage_ = Stage::Failed;
	error_ = HttpParseError{status, std::move(reason)};
	buf_.clear();
	pos_ = 0;
	return Result::Error;
}

// The next LF-terminated line, LF included (callers insist on the CR before
// it: a bare LF is refused rather than guessed at). False when no complete
// line is buffered yet.
bool HttpRequestParser::take_line(std::string_view &line)
{
	const char *start = buf_.data() + pos_;
	// Not a C string: searched by length. NOLINTNEXTLINE(bugprone-not-null-terminated-result)
	const void *nl = std::memchr(start, '\n', buf_.size() - pos_);
	if (!nl)
		return false;
	const size_t len = static_cast<size_t>(static_cast<const char *>(nl) - start);
	line = std::string_view(start, len + 1); // with the LF, checked by callers
	pos_ += len + 1;
	return true;
}

HttpRequestParser::Result HttpRequestParser::next(ParsedRequest &out)
{
	for (;;) {
		Result r = Result::NeedMore;
		const Stage before = stage_;
		switch (stage_) {
		case Stage::RequestLine:
			r = parse_request_line(out);
			break;
		case Stage::Headers:
			r = parse_headers(out);
			break;
		case Stage::Body:
			r = parse_body(out);
			break;
		case Stage::Failed:
			return Result::Error;
		}
		if (r != Result::NeedMore || stage_ == before)
			return r;
	}
}

HttpRequestParser::Result HttpRequestParser::parse_request_line(ParsedRequest &)
{
	std::string_view line;
	for (int empty = 0;; ++empty) {
		const size_t avail = buffered();
		if (!take_line(line)) {
			// +1: a CR may already be here with its LF still in flight.
			if (avail > limits_.max_request_line + 1)
				return fail(414, "request line too long");
			return Result::NeedMore;
		}
		if (line.size() < 2 || line[line.size() - 2] != '\r')
			return fail(400, "request line not terminated by CRLF");
		line.remove_suffix(2);
		if (!line.empty())
			break;
		if (empty >= kMaxLeadingEmptyLines)
			return fail(400, "empty lines instead of a request");
	}
	if (line.size() > limits_.max_request_line)
		return fail(414, "request line too long");

	const size_t sp1 = line.find(' ');
	const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
	if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
		return fail(400, "malformed request line");
	const std::string_view method = line.substr(0, sp1);
	const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
	const std::string_view version = line.substr(sp2 + 1);
	if (!is_token(method) || method.size() > kMaxMethod)
		return fail(400, "malformed method");
	if (!is_target(target))
		return fail(400, "malformed request target");
	if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.')
		return fail(400, "malformed HTTP version");
	if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
		return fail(505, "HTTP version not supported");

	cur_ = ParsedRequest{};
	cur_.method = std::string(method);
	cur_.target = std::string(target);
	cur_.path = std::string(target.substr(0, target.find('?')));
	cur_.minor_version = version[7] - '0';
	header_bytes_ = 0;
	stage_ = Stage::Headers;
	return Result::NeedMore;
}

HttpRequestParser::Result HttpRequestParser::parse_headers(ParsedRequest &out)
{
	std::string_view line;
	for (;;) {
		const size_t avail = buffered();
		if (!take_line(line)) {
			if (header_bytes_ + avail > limits_.max_header_bytes)
				return fail(431, "header section too large");
			return Result::NeedMore;
		}
		header_bytes_ += line.size();
		if (header_bytes_ > limits_.max_header_bytes)
			return fail(431, "header section too large");
		if (line.size() < 2 || line[line.size() - 2] != '\r')
			return fail(400, "header line not terminated by CRLF");
		line.remove_suffix(2);
		if (line.empty())
			return end_of_headers(out);
		if (cur_.headers.size() >= limits_.max_headers)
			return fail(431, "too many header fields");
		const size_t colon = line.find(':');
		// No colon, an empty name, or whitespace before the colon
		// (RFC 9112 5.1: must be rejected) or a folded line.
		if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
			return fail(400, "malformed header field");
		const std::string_view value = trim_ows(line.substr(colon + 1));
		if (!is_field_value(value))
			return fail(400, "control character in header value");
		cur_.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
	}
}

HttpRequestParser::Result HttpRequestParser::end_of_headers(ParsedRequest &out)
{
	size_t hosts = 0;
	bool have_len = false, have_te = false;
	std::string len_value;
	for (const auto &h : cur_.headers) {
		if (h.first == "host")
			++hosts;
		else if (h.first == "transfer-encoding")
			have_te = true;
		else if (h.first == "content-length") {
			// Differing duplicates are a request smuggling vector.
			if (have_len && h.second != len_value)
				return fail(400, "conflicting Content-Length");
			have_len = true;
			len_value = h.second;
		}
	}
	if (cur_.minor_version == 1 && hosts != 1)
		return fail(400, "HTTP/1.1 request without exactly one Host");
	if (have_te)
		return have_len ? fail(400, "both Transfer-Encoding and Content-Length")
		                : fail(501, "Transfer-Encoding not supported");
	body_len_ = 0;
	if (have_len) {
		if (len_value.empty() || len_value.size() > 9 ||
		    !std::all_of(len_value.begin(), len_value.end(),
		                 [](char c) { return c >= '0' && c <= '9'; }))
			return fail(400, "malformed Content-Length");
		body_len_ = std::stoul(len_value);
		if (body_len_ > limits_.max_body)
			return fail(413, "body too large");
	}
	const std::string *conn = cur_.header("connection");
	if (cur_.minor_version == 0)
		cur_.keep_alive = conn && has_token(*conn, "keep-alive");
	else
		cur_.keep_alive = !(conn && has_token(*conn, "close"));
	stage_ = Stage::Body;
	return parse_body(out);
}

HttpRequestParser::Result HttpRequestParser::parse_body(ParsedRequest &out)
{
	if (buffered() < body_len_)
		return Result::NeedMore;
	cur_.body.assign(buf_, pos_, body_len_);
	pos_ += body_len_;
	out = std::move(cur_);
	cur_ = ParsedRequest{};
	stage_ = Stage::RequestLine;
	if (pos_ == buf_.size())
		compact();
	return Result::Request;
}

const char *http_reason_phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "";
	}
}

} // namespace hotdesk
