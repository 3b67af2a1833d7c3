// SPDX-License-Identifier: BSD-3-Clause
// Netstring framing (https://cr.yp.to/proto/netstrings.txt) as baresip's
// ctrl_tcp speaks it: "<decimal length>:<payload>,". The decoder is
// incremental: feed it whatever the socket gave, take out whole frames.
#pragma once

#include "error.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace hotdesk
{

std::string netstring_encode(std::string_view payload);

class NetstringDecoder
{
public:
	explicit NetstringDecoder(size_t max_payload = 64 * 1024) : max_(max_payload) {}

	// Growing the buffer wipes the one it leaves.
	void feed(std::string_view bytes);

	// Next complete frame. Returns:
	//  - a frame (ok, has_value)
	//  - ok with no value when more bytes are needed
	//  - an Error on garbage or oversize; the stream is then unusable
	//    and the caller must reset() (and usually reconnect).
	struct Next {
		bool complete = false;
		std::string payload;
	};
	Expected<Next> next();

	// Forgets what is buffered (wiped).
	void reset();
	size_t buffered() const { return buf_.size(); }

private:
	void consume(size_t n);

	std::string buf_;
	size_t max_;
};

} // namespace hotdesk
