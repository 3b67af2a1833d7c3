// SPDX-License-Identifier: BSD-3-Clause
#include "sealed_file.h"

#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include <vector>

namespace hotdesk::platform
{

namespace
{

const std::string kMagic = "hotdesk-state";
const std::string kEnd = "hotdesk-end\n";
constexpr size_t kMaxHeader = 160;
constexpr size_t kMaxLengthDigits = 9; // state files are far below 1 GB

std::string sha256_hex(const std::string &data)
{
	unsigned char sum[32];
	const auto *in = reinterpret_cast<const unsigned char *>(data.data());
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	mbedtls_sha256(in, data.size(), sum, 0);
#else
	mbedtls_sha256_ret(in, data.size(), sum, 0);
#endif
	static const char hex[] = "0123456789abcdef";
	std::string out;
	for (unsigned char c : sum) {
		out += hex[c >> 4];
		out += hex[c & 15];
	}
	return out;
}

bool all_of(const std::string &s, const char *set)
{
	return !s.empty() && s.find_first_not_of(set) == std::string::npos;
}

std::vector<std::string> split_spaces(const std::string &line)
{
	std::vector<std::string> out(1);
	for (char c : line) {
		if (c == ' ')
			out.emplace_back();
		else
			out.back() += c;
	}
	return out;
}

} // namespace

std::string seal(const std::string &name, const std::string &body)
{
	return kMagic + " " + std::to_string(kSealedFormat) + " " + name + " " +
	       std::to_string(body.size()) + " " + sha256_hex(body) + "\n" + body + kEnd;
}

Expected<std::string> unseal(const std::string &name, const std::string &file)
{
	auto bad = [&name](const std::string &why) { return make_error(name, why); };
	if (file.empty())
		return bad("empty file");
	const size_t nl = file.find('\n');
	if (file.compare(0, kMagic.size() + 1, kMagic + " ") != 0 || nl == std::string::npos ||
	    nl > kMaxHeader)
		return bad("no format header (a format 1 file, or its start is damaged)");
	const auto f = split_spaces(file.substr(0, nl));
	if (f.size() != 5 || !all_of(f[1], "0123456789") || f[1].size() > 3 ||
	    !all_of(f[2], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") ||
	    !all_of(f[3], "0123456789") || f[3].size() > kMaxLengthDigits || f[4].size() != 64 ||
	    !all_of(f[4], "0123456789abcdef"))
		return bad("garbled format header");
	if (std::stoul(f[1]) != kSealedFormat)
		return bad("format " + f[1] + " not supported (this is format " +
		           std::to_string(kSealedFormat) + ")");
	if (f[2] != name)
		return bad("written as " + f[2]);
	const size_t len = std::stoul(f[3]);
	const size_t start = nl + 1;
	const size_t have = file.size() - start;
	if (have < len)
		return bad("truncated: " + std::to_string(have) + " of " + std::to_string(len) +
		           " body bytes");
	std::string body = file.substr(start, len);
	if (sha256_hex(body) != f[4])
		return bad("checksum mismatch");
	const std::string rest = file.substr(start + len);
	if (rest.size() < kEnd.size() && kEnd.compare(0, rest.size(), rest) == 0)
		return bad("truncated in the end marker");
	if (rest.compare(0, kEnd.size(), kEnd) != 0)
		return bad("no end marker");
	if (rest.size() > kEnd.size())
		return bad(std::to_string(rest.size() - kEnd.size()) +
		           " bytes after the end marker");
	return body;
}

} // namespace hotdesk::platform
