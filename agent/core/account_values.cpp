// SPDX-License-Identifier: BSD-3-Clause
#include "account_values.h"

#include <cctype>

namespace hotdesk
{

namespace
{

Error bad(std::string why)
{
	return make_error("", std::move(why));
}

bool is_alnum(char c)
{
	return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool is_control(char c)
{
	const auto u = static_cast<unsigned char>(c);
	return u < 0x20 || u == 0x7f;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix)
{
	if (s.size() < prefix.size())
		return false;
	for (size_t i = 0; i < prefix.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
			return false;
	return true;
}

bool equals_nocase(std::string_view a, std::string_view b)
{
	return a.size() == b.size() && starts_with_nocase(a, b);
}

// A character as an error message shows it: 'x', or its code when it
// cannot be printed.
std::string shown(char c)
{
	const auto u = static_cast<unsigned char>(c);
	if (u == ' ')
		return "a blank";
	if (u < 0x21 || u >= 0x7f) {
		static const char hex[] = "0123456789abcdef";
		return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
	}
	return std::string("'") + c + "'";
}

Status check_port(std::string_view port)
{
	if (port.empty() || port.size() > 5)
		return bad("port must be a number from 1 to 65535");
	unsigned long v = 0;
	for (char c : port) {
		if (!is_digit(c))
			return bad("port must be a number from 1 to 65535");
		v = v * 10 + static_cast<unsigned long>(c - '0');
	}
	if (v < 1 || v > 65535)
		return bad("port must be a number from 1 to 65535");
	return Ok{};
}

Status check_ipv4(std::string_view h)
{
	int parts = 0;
	size_t from = 0;
	while (true) {
		const size_t dot = h.find('.', from);
		const std::string_view part = h.substr(
		    from, dot == std::string_view::npos ? std::string_view::npos : dot - from);
		unsigned v = 0;
		if (part.empty() || part.size() > 3)
			return bad("'" + std::string(h) + "' is not an IPv4 address");
		for (char c : part)
			v = v * 10 + static_cast<unsigned>(c - '0');
		if (v > 255)
			return bad("'" + std::string(h) + "' is not an IPv4 address");
		++parts;
		if (dot == std::string_view::npos)
			break;
		from = dot + 1;
	}
	if (parts != 4)
		return bad("'" + std::string(h) + "' is not an IPv4 address");
	return Ok{};
}

Status check_ipv6(std::string_view inner)
{
	int colons = 0;
	for (char c : inner) {
		if (c == ':')
			++colons;
		else if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.')
			return bad("'[" + std::string(inner) + "]' is not an IPv6 address");
	}
	if (colons < 2 || inner.size() > 45)
		return bad("'[" + std::string(inner) + "]' is not an IPv6 address");
	return Ok{};
}

// RFC 1123 host name: labels of letters, digits and '-', not starting or
// ending with '-', separated by single dots.
Status check_dns_name(std::string_view h)
{
	if (h.size() > 253)
		return bad("host name longer than 253 characters");
	size_t from = 0;
	while (true) {
		const size_t dot = h.find('.', from);
		const std::string_view label = h.substr(
		    from, dot == std::string_view::npos ? std::string_view::npos : dot - from);
		if (label.empty())
			return bad("'" + std::string(h) +
			           "' has an empty label (a leading, doubled or trailing '.')");
		if (label.size() > 63)
			return bad("host name label longer than 63 characters");
		for (char c : label)
			if (!is_alnum(c) && c != '-')
				return bad("host name '" + std::string(h) + "' holds " + shown(c) +
				           " (letters, digits, '-' and '.' only)");
		if (label.front() == '-' || label.back() == '-')
			return bad("host name label '" + std::string(label) +
			           "' starts or ends with '-'");
		if (dot == std::string_view::npos)
			break;
		from = dot + 1;
	}
	return Ok{};
}

// host[:port] with host an IPv4 address, [IPv6] or a DNS name.
Status check_hostport(std::string_view hp)
{
	if (hp.empty())
		return bad("no host");
	std::string_view host = hp;
	std::string_view port;
	bool has_port = false;
	if (hp.front() == '[') {
		const size_t close = hp.find(']');
		if (close == std::string_view::npos)
			return bad("'[' without ']' around an IPv6 address");
		host = hp.substr(0, close + 1);
		if (close + 1 < hp.size()) {
			if (hp[close + 1] != ':')
				return bad("unexpected text after ']'");
			port = hp.substr(close + 2);
			has_port = true;
		}
		if (auto s = check_ipv6(host.substr(1, host.size() - 2)); !s)
			return s;
	} else {
		const size_t colon = hp.find(':');
		if (colon != std::string_view::npos) {
			if (hp.find(':', colon + 1) != std::string_view::npos)
				return bad(
				    "an IPv6 address needs brackets, e.g. [2001:db8::1]:5060");
			host = hp.substr(0, colon);
			port = hp.substr(colon + 1);
			has_port = true;
		}
		if (host.empty())
			return bad("no host");
		const bool numeric =
		    host.find_first_not_of("0123456789.") == std::string_view::npos;
		if (auto s = numeric ? check_ipv4(host) : check_dns_name(host); !s)
			return s;
	}
	if (has_port)
		return check_port(port);
	return Ok{};
}

// Characters that end or escape a part of the account line, or break out
// of its quoting; never usable in any value.
Status check_no_line_breakers(std::string_view v)
{
	for (char c : v)
		if (is_control(c) || c == ' ' || c == '"' || c == '<' || c == '>' || c == '\\')
			return bad("holds " + shown(c));
	return Ok{};
}

// ";transport=udp|tcp|tls" and ";lr": the URI parameters an outbound proxy
// needs. Returns them, or why not.
Expected<std::string> check_proxy_params(std::string_view params)
{
	std::string out;
	size_t from = 0;
	while (from < params.size()) {
		const size_t semi = params.find(';', from);
		const std::string_view p = params.substr(
		    from, semi == std::string_view::npos ? std::string_view::npos : semi - from);
		from = semi == std::string_view::npos ? params.size() : semi + 1;
		if (p.empty())
			return bad("empty URI parameter (';;')");
		const size_t eq = p.find('=');
		const std::string_view name = p.substr(0, eq);
		const std::string_view value =
		    eq == std::string_view::npos ? std::string_view() : p.substr(eq + 1);
		if (equals_nocase(name, "lr") && eq == std::string_view::npos) {
			out += ";lr";
		} else if (equals_nocase(name, "transport")) {
			if (!equals_nocase(value, "udp") && !equals_nocase(value, "tcp") &&
			    !equals_nocase(value, "tls"))
				return bad("transport must be udp, tcp or tls, not '" +
				           std::string(value) + "'");
			std::string t(value);
			for (auto &c : t)
				c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
			out += ";transport=" + t;
		} else {
			return bad(
			    "URI parameter ';" + std::string(p) +
			    "' is not supported (only ;transport=udp|tcp|tls and ;lr: "
			    "baresip 1.0.0 would read other ';name=' as account parameters)");
		}
	}
	return out;
}

} // namespace

Expected<std::string> check_sip_user(std::string_view user)
{
	if (user.empty())
		return bad("empty");
	if (user.size() > kMaxSipUser)
		return bad("longer than " + std::to_string(kMaxSipUser) + " characters");
	static const std::string_view marks = "-_.!~*'()+";
	for (char c : user) {
		if (is_alnum(c) || marks.find(c) != std::string_view::npos)
			continue;
		if (c == '@')
			return bad("holds '@': a SIP user has no domain (the registrar is given "
			           "separately)");
		if (c == ':')
			return bad("holds ':', which would start a password in the SIP URI");
		return bad("holds " + shown(c) +
		           " (a SIP user may hold letters, digits and - _ . ! ~ * ' ( ) +)");
	}
	return std::string(user);
}

Expected<std::string> check_auth_user(std::string_view user)
{
	if (user.empty())
		return bad("empty");
	if (user.size() > kMaxAuthUser)
		return bad("longer than " + std::to_string(kMaxAuthUser) + " characters");
	static const std::string_view refused = "\"\\;<>";
	for (char c : user) {
		const auto u = static_cast<unsigned char>(c);
		if (u < 0x21 || u >= 0x7f)
			return bad("holds " + shown(c) +
			           " (an authentication user is printable ASCII without blanks)");
		if (c == ';')
			return bad(
			    "holds ';', which baresip 1.0.0 reads as the start of an account "
			    "parameter even inside quotes");
		if (refused.find(c) != std::string_view::npos)
			return bad("holds " + shown(c) +
			           ", which baresip 1.0.0's account line cannot carry (no '\"', "
			           "'\\', ';', '<' or '>')");
	}
	return std::string(user);
}

Expected<std::string> check_registrar(std::string_view registrar)
{
	std::string_view r = registrar;
	if (starts_with_nocase(r, "sips:"))
		return bad("sips: is not supported (baresip 1.0.0 registers with sip:); give "
		           "host[:port] and a TLS outbound proxy sip:host;transport=tls");
	if (starts_with_nocase(r, "sip:"))
		r.remove_prefix(4);
	if (r.empty())
		return bad("empty");
	if (r.size() > kMaxRegistrar)
		return bad("longer than " + std::to_string(kMaxRegistrar) + " characters");
	if (auto s = check_no_line_breakers(r); !s)
		return s.error();
	if (r.find('@') != std::string_view::npos)
		return bad("holds '@': the registrar is host[:port], without a user");
	if (r.find(';') != std::string_view::npos)
		return bad("URI parameters (';...') cannot go in the registrar: baresip reports "
		           "the account without them, so its events would not match; put "
		           "';transport=' on the outbound proxy (sip:host;transport=tcp)");
	if (r.find('/') != std::string_view::npos)
		return bad("holds a path ('/'): a registrar is host[:port] (a registrar answers "
		           "400 Bad Request URI)");
	if (r.find('?') != std::string_view::npos)
		return bad("holds URI headers ('?'): a registrar is host[:port]");
	if (auto s = check_hostport(r); !s)
		return s.error();
	return std::string(r);
}

Expected<std::string> check_outbound(std::string_view outbound)
{
	std::string_view o = outbound;
	if (o.empty())
		return std::string();
	if (o.size() > kMaxOutbound)
		return bad("longer than " + std::to_string(kMaxOutbound) + " characters");
	if (o.size() >= 2 && o.front() == '<' && o.back() == '>')
		o = o.substr(1, o.size() - 2); // "<sip:sbc>" means "sip:sbc"
	if (auto s = check_no_line_breakers(o); !s)
		return s.error();
	if (starts_with_nocase(o, "sips:"))
		return bad("sips: is not supported by baresip 1.0.0 (libre 1.1.0 answers "
		           "\"Function not implemented\"); use sip:host;transport=tls");
	if (starts_with_nocase(o, "sip:")) {
		o.remove_prefix(4);
	} else {
		// Scheme-less (Snom: "host:port;transport=udp") unless what precedes
		// the first ':' is a scheme: letters, and no port digits after it.
		const size_t colon = o.find(':');
		if (colon != std::string_view::npos && o.front() != '[' && colon + 1 < o.size() &&
		    !is_digit(o[colon + 1]))
			return bad("only sip: URIs can be an outbound proxy, not '" +
			           std::string(o.substr(0, colon + 1)) + "'");
	}
	if (o.find('@') != std::string_view::npos)
		return bad("holds '@': an outbound proxy is sip:host[:port], without a user");
	if (o.find('?') != std::string_view::npos)
		return bad("holds URI headers ('?')");
	const size_t semi = o.find(';');
	const std::string_view hostport = o.substr(0, semi);
	if (auto s = check_hostport(hostport); !s)
		return s.error();
	auto params = check_proxy_params(semi == std::string_view::npos ? std::string_view()
	                                                                : o.substr(semi + 1));
	if (!params)
		return params.error();
	return "sip:" + std::string(hostport) + *params;
}

Status check_sip_password(std::string_view password)
{
	if (password.empty())
		return bad("empty");
	if (password.size() > kMaxSipPassword)
		return bad("longer than " + std::to_string(kMaxSipPassword) + " bytes");
	for (char c : password) {
		if (is_control(c))
			return bad("holds a control character");
		if (c == '"')
			return bad("holds '\"', which baresip 1.0.0's account line cannot carry");
		if (c == ';')
			return bad(
			    "holds ';', which baresip 1.0.0 reads as the start of an account "
			    "parameter even inside quotes");
	}
	if (password.back() == '\\')
		return bad("ends in '\\', which would escape the account line's closing quote");
	return Ok{};
}

Expected<std::string> check_extension(std::string_view ext)
{
	if (ext.empty() || ext.size() > kMaxExtension)
		return bad("must be 1 to " + std::to_string(kMaxExtension) +
		           " letters, digits, '_', '+' or '-'");
	for (char c : ext)
		if (!is_alnum(c) && c != '_' && c != '+' && c != '-')
			return bad("holds " + shown(c) +
			           " (letters, digits, '_', '+' or '-' only)");
	return std::string(ext);
}

std::string clean_display_name(std::string_view name)
{
	std::string out(name);
	for (auto &c : out)
		if (c == '"' || c == '\\' || is_control(c))
			c = ' ';
	if (out.size() > kMaxDisplayName) {
		size_t cut = kMaxDisplayName;
		// back up to the first byte of a UTF-8 sequence
		while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
			--cut;
		out.resize(cut);
	}
	return out;
}

} // namespace hotdesk
