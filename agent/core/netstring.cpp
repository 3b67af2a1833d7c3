// SPDX-License-Identifier: BSD-3-Clause
#include "netstring.h"

#include "text.h"

namespace hotdesk
{

std::string netstring_encode(std::string_view payload)
{
	std::string out = std::to_string(payload.size());
	out += ':';
	out.append(payload);
	out += ',';
	return out;
}

// Drops the first `n` bytes. A frame may carry a SIP password (baresip
// echoes account lines): no byte of it stays behind in the buffer's spare
// capacity, as it would after erase().
void NetstringDecoder::consume(size_t n)
{
	std::string rest(buf_, n);
	wipe_secret(buf_);
	buf_ = std::move(rest);
}

void NetstringDecoder::feed(std::string_view bytes)
{
	if (buf_.size() + bytes.size() > buf_.capacity()) {
		std::string bigger;
		bigger.reserve(2 * (buf_.size() + bytes.size()));
		bigger = buf_;
		wipe_secret(buf_);
		buf_.swap(bigger);
	}
	buf_.append(bytes);
}

void NetstringDecoder::reset()
{
	wipe_secret(buf_);
}

Expected<NetstringDecoder::Next> NetstringDecoder::next()
{
	size_t len = 0;
	size_t i = 0;
	const size_t max_digits = std::to_string(max_).size();
	for (; i < buf_.size(); ++i) {
		const char c = buf_[i];
		if (c == ':')
			break;
		if (c < '0' || c > '9')
			return make_error("netstring", "length contains a non-digit");
		if (i == 1 && buf_[0] == '0')
			return make_error("netstring", "length has a leading zero");
		if (i >= max_digits)
			return make_error("netstring", "frame too large");
		len = len * 10 + static_cast<size_t>(c - '0');
	}
	if (i == buf_.size())
		return Next{}; // length not complete yet
	if (i == 0)
		return make_error("netstring", "empty length");
	if (len > max_)
		return make_error("netstring", "frame too large");
	const size_t need = i + 1 + len + 1;
	if (buf_.size() < need)
		return Next{};
	if (buf_[need - 1] != ',')
		return make_error("netstring", "missing ',' terminator");
	Next n{true, buf_.substr(i + 1, len)};
	consume(need);
	return n;
}

} // namespace hotdesk
