// SPDX-License-Identifier: BSD-3-Clause
// Incremental HTTP/1.1 request parser for the status endpoint.
//
// Pure: bytes in, requests or an error status out; no sockets, no libre.
// Everything is bounded (HttpParseLimits) so that a hostile client costs at
// most a few KiB per connection, and every refusal maps to the status code a
// server should answer with before closing the connection:
//   400 malformed, 413 body too large, 414 request line too long,
//   431 header section too large or too many headers,
//   501 Transfer-Encoding (only Content-Length bodies are supported),
//   505 not HTTP/1.x.
// Methods are not judged here (any RFC 9110 token is accepted): the router
// knows which methods a path allows and answers 405.
// Several requests in one buffer (pipelining) come out one per next().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotdesk
{

struct HttpParseLimits {
	size_t max_request_line = 2048; // bytes, without CRLF
	size_t max_header_bytes = 8192; // all header lines with their CRLFs
	size_t max_headers = 32;
	size_t max_body = 4096; // Content-Length only
};

struct ParsedRequest {
	std::string method; // case-sensitive token, as sent
	std::string target; // origin-form: path and query
	std::string path;   // target up to '?'
	int minor_version = 1;
	// Names lower-cased, values with surrounding whitespace removed, in
	// the order received.
	std::vector<std::pair<std::string, std::string>> headers;
	std::string body;
	bool keep_alive = true; // from the version and Connection headers

	// First header with this lower-case name, or nullptr.
	const std::string *header(std::string_view lower_name) const;
};

struct HttpParseError {
	int status = 0;     // 400, 413, 414, 431, 501 or 505
	std::string reason; // short, for logs; never includes request bytes
};

class HttpRequestParser
{
public:
	enum class Result { NeedMore, Request, Error };

	explicit HttpRequestParser(HttpParseLimits limits = {});

	// Appends received bytes. Ignored after an error.
	void feed(std::string_view bytes);
	// Parses the next buffered request into `out`. After Error the parser
	// stays failed (error() says why): the connection must be closed,
	// because where the next request would start is unknown.
	Result next(ParsedRequest &out);

	const HttpParseError &error() const { return error_; }
	// Bytes held: the unfinished request plus any pipelined ones.
	size_t buffered() const { return buf_.size() - pos_; }
	// True once the first byte of a request has arrived and until that
	// request is complete (the slowloris clock runs meanwhile).
	bool in_request() const;

private:
	enum class Stage { RequestLine, Headers, Body, Failed };

	Result fail(int status, std::string reason);
	Result parse_request_line(ParsedRequest &out);
	Result parse_headers(ParsedRequest &out);
	Result parse_body(ParsedRequest &out);
	Result end_of_headers(ParsedRequest &out);
	bool take_line(std::string_view &line);
	void compact();

	HttpParseLimits limits_;
	std::string buf_;
	size_t pos_ = 0; // start of the unconsumed bytes
	Stage stage_ = Stage::RequestLine;
	size_t header_bytes_ = 0;
	size_t body_len_ = 0;
	ParsedRequest cur_;
	HttpParseError error_;
};

// Canonical reason phrase for the codes this server sends ("" if unknown).
const char *http_reason_phrase(int status);

} // namespace hotdesk
