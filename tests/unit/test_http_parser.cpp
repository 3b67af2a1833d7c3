// SPDX-License-Identifier: BSD-3-Clause
#include <doctest/doctest.h>

#include "agent/status/http_parser.h"

#include <string>
#include <vector>

using hotdesk::HttpRequestParser;
using hotdesk::ParsedRequest;
using Result = HttpRequestParser::Result;

namespace
{

// Feeds everything at once; returns the requests, and the error status
// (0 if none) of the first failure.
struct Outcome {
	std::vector<ParsedRequest> requests;
	int error = 0;
	bool need_more = false;
};

Outcome parse_all(const std::string &bytes, hotdesk::HttpParseLimits limits = {})
{
	HttpRequestParser p(limits);
	p.feed(bytes);
	Outcome o;
	for (;;) {
		ParsedRequest r;
		const Result res = p.next(r);
		if (res == Result::Request) {
			o.requests.push_back(r);
			continue;
		}
		if (res == Result::Error)
			o.error = p.error().status;
		else
			o.need_more = true;
		return o;
	}
}

int error_of(const std::string &bytes)
{
	return parse_all(bytes).error;
}

const std::string kGet = "GET /status HTTP/1.1\r\nHost: phone\r\n\r\n";

} // namespace

TEST_CASE("http parser: a simple GET")
{
	const Outcome o =
	    parse_all("GET /status?x=1 HTTP/1.1\r\nHost: phone\r\n"
	              "Accept:  application/xml \r\nAUTHORIZATION: Bearer abc\r\n\r\n");
	REQUIRE(o.requests.size() == 1);
	const ParsedRequest &r = o.requests[0];
	CHECK(r.method == "GET");
	CHECK(r.target == "/status?x=1");
	CHECK(r.path == "/status");
	CHECK(r.minor_version == 1);
	CHECK(r.keep_alive);
	REQUIRE(r.header("accept"));
	CHECK(*r.header("accept") == "application/xml");
	REQUIRE(r.header("authorization"));
	CHECK(*r.header("authorization") == "Bearer abc");
	CHECK(r.header("cookie") == nullptr);
	CHECK(o.need_more);
}

TEST_CASE("http parser: byte by byte is the same as all at once")
{
	const std::string req =
	    "POST /logout HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\n\r\nhello";
	HttpRequestParser p;
	ParsedRequest r;
	for (size_t i = 0; i + 1 < req.size(); ++i) {
		p.feed(req.substr(i, 1));
		REQUIRE(p.next(r) == Result::NeedMore);
		CHECK(p.in_request());
	}
	p.feed(req.substr(req.size() - 1));
	REQUIRE(p.next(r) == Result::Request);
	CHECK(r.body == "hello");
	CHECK_FALSE(p.in_request());
	CHECK(p.buffered() == 0);
}

TEST_CASE("http parser: pipelined requests come out in order")
{
	const Outcome o = parse_all("GET /a HTTP/1.1\r\nHost: p\r\n\r\n"
	                            "POST /b HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\nhi"
	                            "GET /c HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n"
	                            "GET /d HTTP/1.1\r\nHo");
	REQUIRE(o.requests.size() == 3);
	CHECK(o.requests[0].path == "/a");
	CHECK(o.requests[1].body == "hi");
	CHECK(o.requests[2].path == "/c");
	CHECK_FALSE(o.requests[2].keep_alive);
	CHECK(o.need_more);
}

TEST_CASE("http parser: keep-alive semantics")
{
	CHECK(parse_all(kGet).requests.at(0).keep_alive);
	CHECK_FALSE(parse_all("GET / HTTP/1.1\r\nHost: p\r\nConnection: Keep-Alive, CLOSE\r\n\r\n")
	                .requests.at(0)
	                .keep_alive);
	CHECK_FALSE(parse_all("GET / HTTP/1.0\r\n\r\n").requests.at(0).keep_alive);
	CHECK(parse_all("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	          .requests.at(0)
	          .keep_alive);
}

TEST_CASE("http parser: one leading empty line is tolerated")
{
	CHECK(parse_all("\r\n" + kGet).requests.size() == 1);
	CHECK(error_of("\r\n\r\n\r\n\r\n\r\n\r\n" + kGet) == 400);
}

TEST_CASE("http parser: malformed requests are 400")
{
	CHECK(error_of("GET /status\r\n\r\n") == 400);                      // no version
	CHECK(error_of("GET  /status HTTP/1.1\r\nHost: p\r\n\r\n") == 400); // double space
	CHECK(error_of("GET status HTTP/1.1\r\nHost: p\r\n\r\n") == 400);   // not origin-form
	CHECK(error_of("GET http://x/ HTTP/1.1\r\nHost: p\r\n\r\n") == 400);
	CHECK(error_of("G(T / HTTP/1.1\r\nHost: p\r\n\r\n") == 400); // not a token
	CHECK(error_of("GET / HTTQ/1.1\r\nHost: p\r\n\r\n") == 400);
	CHECK(error_of("GET / HTTP/1.1\nHost: p\r\n\r\n") == 400); // bare LF
	CHECK(error_of("GET / HTTP/1.1\r\nHost: p\n\r\n") == 400);
	CHECK(error_of("GET / HTTP/1.1\r\nHost : p\r\n\r\n") == 400); // space before colon
	CHECK(error_of("GET / HTTP/1.1\r\nHost: p\r\n folded\r\n\r\n") == 400);
	CHECK(error_of("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == 400);
	CHECK(error_of("GET / HTTP/1.1\r\nHost: p\r\nX: a\x01"
	               "b\r\n\r\n") == 400);
	CHECK(error_of("GET / HTTP/1.1\r\n\r\n") == 400); // no Host
	CHECK(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
	CHECK(error_of(std::string("GET /\0 HTTP/1.1\r\nHost: p\r\n\r\n", 28)) == 400);
}

TEST_CASE("http parser: unknown methods pass (the router answers 405)")
{
	const Outcome o = parse_all("BREW /status HTTP/1.1\r\nHost: p\r\n\r\n");
	REQUIRE(o.requests.size() == 1);
	CHECK(o.requests[0].method == "BREW");
	CHECK(error_of(std::string(40, 'A') + " / HTTP/1.1\r\nHost: p\r\n\r\n") == 400);
}

TEST_CASE("http parser: HTTP versions")
{
	CHECK(error_of("GET / HTTP/2.0\r\nHost: p\r\n\r\n") == 505);
	CHECK(error_of("GET / HTTP/1.2\r\nHost: p\r\n\r\n") == 505);
}

TEST_CASE("http parser: request line limit is 414, early and late")
{
	const std::string longpath = "/" + std::string(2100, 'a');
	CHECK(error_of("GET " + longpath + " HTTP/1.1\r\nHost: p\r\n\r\n") == 414);
	// Without a line end yet: refused as soon as the limit is passed.
	HttpRequestParser p;
	ParsedRequest r;
	p.feed("GET /" + std::string(2040, 'a')); // 2045 bytes
	CHECK(p.next(r) == Result::NeedMore);
	p.feed("aaaaa");
	CHECK(p.next(r) == Result::Error);
	CHECK(p.error().status == 414);
	// Exactly at the limit is fine.
	const std::string at_limit = "GET /" + std::string(2048 - 14, 'b') + " HTTP/1.1";
	REQUIRE(at_limit.size() == 2048);
	CHECK(parse_all(at_limit + "\r\nHost: p\r\n\r\n").requests.size() == 1);
}

TEST_CASE("http parser: header limits are 431")
{
	std::string many = "GET / HTTP/1.1\r\nHost: p\r\n";
	for (int i = 0; i < 32; ++i)
		many += "X-" + std::to_string(i) + ": v\r\n";
	CHECK(error_of(many + "\r\n") == 431);
	const std::string big =
	    "GET / HTTP/1.1\r\nHost: p\r\nX: " + std::string(8200, 'v') + "\r\n\r\n";
	CHECK(error_of(big) == 431);
	HttpRequestParser p;
	ParsedRequest r;
	p.feed("GET / HTTP/1.1\r\nX: " + std::string(8300, 'v')); // no line end yet
	CHECK(p.next(r) == Result::Error);
	CHECK(p.error().status == 431);
	std::string thirty_two = "GET / HTTP/1.1\r\nHost: p\r\n";
	for (int i = 0; i < 31; ++i)
		thirty_two += "X-" + std::to_string(i) + ": v\r\n";
	CHECK(parse_all(thirty_two + "\r\n").requests.size() == 1);
}

TEST_CASE("http parser: bodies by Content-Length only")
{
	CHECK(error_of("POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 4097\r\n\r\n") == 413);
	CHECK(error_of("POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 99999999999\r\n\r\n") == 400);
	CHECK(error_of("POST / HTTP/1.1\r\nHost: p\r\nContent-Length: -1\r\n\r\n") == 400);
	CHECK(error_of(
	          "POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
	      400);
	CHECK(parse_all(
	          "POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
	          .requests.size() == 1);
	CHECK(error_of("POST / HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n\r\n") == 501);
	CHECK(error_of("POST / HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n"
	               "Content-Length: 3\r\n\r\n") == 400);
	const Outcome o = parse_all("POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 4096\r\n\r\n" +
	                            std::string(4096, 'x'));
	REQUIRE(o.requests.size() == 1);
	CHECK(o.requests[0].body.size() == 4096);
}

TEST_CASE("http parser: stays failed after an error")
{
	HttpRequestParser p;
	ParsedRequest r;
	p.feed("garbage\r\n");
	CHECK(p.next(r) == Result::Error);
	p.feed(kGet);
	CHECK(p.next(r) == Result::Error);
	CHECK(p.buffered() == 0);
}

TEST_CASE("http parser: custom limits")
{
	hotdesk::HttpParseLimits l;
	l.max_headers = 1;
	CHECK(parse_all("GET / HTTP/1.1\r\nHost: p\r\nX: y\r\n\r\n", l).error == 431);
	CHECK(parse_all(kGet, l).requests.size() == 1);
}

TEST_CASE("http parser: reason phrases")
{
	CHECK(std::string(hotdesk::http_reason_phrase(431)) == "Request Header Fields Too Large");
	CHECK(std::string(hotdesk::http_reason_phrase(299)).empty());
}
