// SPDX-License-Identifier: BSD-3-Clause
// Netstring framing as baresip's ctrl_tcp speaks it.
#include <doctest/doctest.h>

#include "agent/core/netstring.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

// Every complete frame now in the decoder; stops at "need more" or an error.
struct Drained {
	std::vector<std::string> frames;
	bool error = false;
	std::string why;
};

Drained drain(NetstringDecoder &d)
{
	Drained out;
	for (;;) {
		auto n = d.next();
		if (!n) {
			out.error = true;
			out.why = n.error().str();
			return out;
		}
		if (!n->complete)
			return out;
		out.frames.push_back(n->payload);
	}
}

} // namespace

TEST_CASE("netstring: encode")
{
	CHECK(netstring_encode("hello world!") == "12:hello world!,");
	CHECK(netstring_encode("") == "0:,");
	CHECK(netstring_encode(R"({"a":"b"})") == R"(9:{"a":"b"},)");
	const std::string with_nul("a\0b", 3);
	CHECK(netstring_encode(with_nul) == std::string("3:a\0b,", 6));
}

TEST_CASE("netstring: a frame fed byte by byte comes out once, whole")
{
	const std::string payload = R"({"response":true,"ok":true,"data":"x,y:z","token":"hd1"})";
	const std::string wire = netstring_encode(payload);
	NetstringDecoder d;
	std::vector<std::string> got;
	for (size_t i = 0; i < wire.size(); ++i) {
		d.feed(wire.substr(i, 1));
		auto r = drain(d);
		REQUIRE_FALSE(r.error);
		if (i + 1 < wire.size())
			CHECK(r.frames.empty());
		for (auto &f : r.frames)
			got.push_back(f);
	}
	REQUIRE(got.size() == 1);
	CHECK(got[0] == payload);
	CHECK(d.buffered() == 0);
}

TEST_CASE("netstring: several frames in one feed, and a split tail")
{
	NetstringDecoder d;
	const std::string wire = netstring_encode("one") + netstring_encode("") +
	                         netstring_encode("three:3,") + netstring_encode("four");
	d.feed(wire.substr(0, wire.size() - 3));
	auto r = drain(d);
	REQUIRE_FALSE(r.error);
	CHECK(r.frames == std::vector<std::string>{"one", "", "three:3,"});
	CHECK(d.buffered() > 0);
	d.feed(wire.substr(wire.size() - 3));
	r = drain(d);
	REQUIRE_FALSE(r.error);
	CHECK(r.frames == std::vector<std::string>{"four"});
	CHECK(d.buffered() == 0);
}

TEST_CASE("netstring: zero-length payload")
{
	NetstringDecoder d;
	d.feed("0:,");
	auto r = drain(d);
	REQUIRE_FALSE(r.error);
	CHECK(r.frames == std::vector<std::string>{""});
}

TEST_CASE("netstring: oversize frames are refused before their payload arrives")
{
	NetstringDecoder d(16);
	d.feed("16:0123456789abcdef,");
	auto r = drain(d);
	REQUIRE_FALSE(r.error);
	CHECK(r.frames.size() == 1); // exactly the limit is fine

	NetstringDecoder big(16);
	big.feed("17:");
	r = drain(big);
	CHECK(r.error);
	CHECK(r.why.find("too large") != std::string::npos);

	// A length with more digits than the limit can have fails while the
	// length is still being typed, without waiting for ':'.
	NetstringDecoder digits(16);
	digits.feed("123");
	r = drain(digits);
	CHECK(r.error);
	CHECK(r.why.find("too large") != std::string::npos);

	NetstringDecoder dflt; // 64 KiB
	dflt.feed("99999999999999999999");
	CHECK(drain(dflt).error);
}

TEST_CASE("netstring: garbage is an error naming what is wrong")
{
	struct Case {
		const char *wire;
		const char *why;
	};
	const Case cases[] = {
	    {"x:abc,", "non-digit"},           {"1x:a,", "non-digit"},    {"-1:a,", "non-digit"},
	    {" 3:abc,", "non-digit"},          {"01:a,", "leading zero"}, {"00:,", "leading zero"},
	    {"3:abcX", "missing ','"},         {"0:X", "missing ','"},    {":abc,", "empty length"},
	    {"{\"event\":true}", "non-digit"},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.wire));
		NetstringDecoder d;
		d.feed(c.wire);
		auto r = drain(d);
		CHECK(r.error);
		CHECK(r.why.find(c.why) != std::string::npos);
		CHECK(r.why.rfind("netstring", 0) == 0);
	}
}

TEST_CASE("netstring: a good frame before garbage still comes out, and reset() clears")
{
	NetstringDecoder d;
	d.feed("2:ok,junk");
	auto n = d.next();
	REQUIRE(n.ok());
	REQUIRE(n->complete);
	CHECK(n->payload == "ok");
	CHECK_FALSE(d.next().ok());
	d.reset();
	CHECK(d.buffered() == 0);
	d.feed("1:a,");
	auto r = drain(d);
	REQUIRE_FALSE(r.error);
	CHECK(r.frames == std::vector<std::string>{"a"});
}
