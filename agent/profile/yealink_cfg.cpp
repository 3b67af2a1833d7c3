// SPDX-License-Identifier: BSD-3-Clause
#include "yealink_cfg.h"

#include "../core/account_values.h"
#include "../core/text.h"
#include "function_keys.h"

#include <algorithm>
#include <map>

namespace hotdesk
{

namespace
{

struct RawValue {
	std::string value;
	int line = 0;
	bool duplicate = false;
};
using RawMap = std::map<std::string, RawValue>;

constexpr int kMaxLineKey = 255;
constexpr size_t kMaxPickup = 32;
constexpr const char *kBlfType = "16"; // Yealink's line key type "BLF"

std::string_view trim(std::string_view s)
{
	const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
	while (!s.empty() && blank(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && blank(s.back()))
		s.remove_suffix(1);
	return s;
}

bool starts_with(std::string_view s, std::string_view p)
{
	return s.substr(0, p.size()) == p;
}

// Keys (or key prefixes) whose lines we read: a malformed one is an error.
bool is_used_key(std::string_view k)
{
	for (std::string_view p : {"account.1.", "linekey.", "hotdesk.", "voice_mail.number.1",
	                           "lang.gui", "features.pickup.direct_pickup_code"})
		if (starts_with(k, p))
			return true;
	return false;
}

bool valid_key(std::string_view k)
{
	return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '.' || c == '_' || c == '-';
	});
}

// The leading key characters of a line ("account.1.password" of
// "account.1.password: x").
std::string_view key_prefix(std::string_view s)
{
	size_t n = 0;
	while (n < s.size() && n < 64 && valid_key(s.substr(n, 1)))
		++n;
	return s.substr(0, n);
}

std::string where(int line)
{
	return "profile: line " + std::to_string(line);
}

// The lines as key -> value (first occurrence; a repeat is marked).
Expected<RawMap> read_lines(std::string_view text, const ProfileLimits &l,
                            std::vector<std::string> &warnings)
{
	RawMap raw;
	size_t keys = 0;
	int line = 0;
	bool versioned = false;
	while (!text.empty()) {
		const size_t nl = text.find('\n');
		const std::string_view whole = text.substr(0, nl);
		text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
		++line;
		const std::string_view s = trim(whole);
		if (s.empty())
			continue;
		if (!versioned) {
			if (!starts_with(s, "#!version:"))
				return make_error(where(line),
				                  "a Yealink .cfg starts with #!version:");
			versioned = true;
			continue;
		}
		if (s.front() == '#')
			continue;
		const size_t eq = s.find('=');
		const std::string_view key = trim(s.substr(0, eq));
		if (eq == std::string_view::npos || !valid_key(key)) {
			// Never the line itself: it may hold a value (a password).
			// Only a key of ours is named; it is no secret.
			const std::string_view name = key_prefix(s);
			if (is_used_key(name))
				return make_error(where(line),
				                  "'" + std::string(name) +
				                      "' is not written as key = value");
			warnings.push_back(where(line) + ": not key = value: ignored");
			continue;
		}
		// Keys we do not use are not kept (nor counted: vendor templates
		// run to hundreds of lines); the byte limit bounds the whole file.
		if (!is_used_key(key))
			continue;
		if (++keys > l.max_elements)
			return make_error("profile", "more than " + std::to_string(l.max_elements) +
			                                 " settings");
		auto [it, fresh] = raw.emplace(std::string(key),
		                               RawValue{std::string(trim(s.substr(eq + 1))), line});
		if (!fresh)
			it->second.duplicate = true;
	}
	if (!versioned)
		return make_error("profile", "a Yealink .cfg starts with #!version:");
	return raw;
}

const RawValue *find(const RawMap &raw, const std::string &key)
{
	auto it = raw.find(key);
	return it == raw.end() ? nullptr : &it->second;
}

void put(ParsedSettings &out, const std::string &name, const std::string &key, const RawValue &v,
         std::string text)
{
	out.settings[name] = Setting{std::move(text), v.line, false, v.duplicate, key};
}

// "host" and "port" keys -> "host:port" (port optional, checked here).
Status put_host_port(ParsedSettings &out, const RawMap &raw, const std::string &name,
                     const std::string &host_key, const std::string &port_key)
{
	const RawValue *host = find(raw, host_key);
	if (!host)
		return Ok{};
	std::string text = host->value;
	if (const RawValue *port = find(raw, port_key); port && !port->value.empty()) {
		const std::string &p = port->value;
		if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
		    std::stoul(p) < 1 || std::stoul(p) > 65535)
			return make_error("profile: " + port_key + " line " +
			                      std::to_string(port->line),
			                  "must be a port number from 1 to 65535");
		if (!text.empty())
			text += ":" + p;
	}
	put(out, name, host_key, *host, std::move(text));
	return Ok{};
}

// Yealink's transport_type (0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR) as the
// outbound proxy URI's transport parameter; NAPTR leaves it to DNS.
Status add_transport(ParsedSettings &out, const RawMap &raw)
{
	const char *key = "account.1.sip_server.1.transport_type";
	const RawValue *t = find(raw, key);
	if (!t) {
		key = "account.1.transport";
		t = find(raw, key);
	}
	auto ob = out.settings.find("user_outbound#1");
	if (!t || t->value.empty() || t->value == "3")
		return Ok{};
	if (ob == out.settings.end() || ob->second.text.empty()) {
		if (t->value != "0")
			out.warnings.push_back(
			    "profile: " + std::string(key) + " line " + std::to_string(t->line) +
			    ": ignored: hotdesk sets the transport on the outbound "
			    "proxy (account.1.outbound_proxy_enable = 1 and its "
			    "address); the registrar is reached over UDP");
		return Ok{};
	}
	static const char *const kNames[] = {"udp", "tcp", "tls"};
	if (t->value.size() != 1 || t->value[0] < '0' || t->value[0] > '2')
		return make_error("profile: " + std::string(key) + " line " +
		                      std::to_string(t->line),
		                  "must be 0 (UDP), 1 (TCP), 2 (TLS) or 3 (DNS-NAPTR)");
	ob->second.text += std::string(";transport=") + kNames[t->value[0] - '0'];
	return Ok{};
}

Status map_account(const RawMap &raw, ParsedSettings &out)
{
	static const std::pair<const char *, const char *> kOneToOne[] = {
	    {"account.1.user_name", "user_name#1"},
	    {"account.1.auth_name", "user_pname#1"},
	    {"account.1.password", "user_pass#1"},
	    {"account.1.display_name", "user_realname#1"},
	    {"voice_mail.number.1", "user_mailbox#1"},
	};
	for (const auto &[key, name] : kOneToOne)
		if (const RawValue *v = find(raw, key))
			put(out, name, key, *v, v->value);
	if (const RawValue *v = find(raw, "account.1.enable"))
		put(out, "user_active#1", "account.1.enable", *v,
		    v->value == "1"   ? "on"
		    : v->value == "0" ? "off"
		                      : v->value);
	const bool current = find(raw, "account.1.sip_server.1.address");
	if (auto s = current
	                 ? put_host_port(out, raw, "user_host#1", "account.1.sip_server.1.address",
	                                 "account.1.sip_server.1.port")
	                 : put_host_port(out, raw, "user_host#1", "account.1.sip_server_host",
	                                 "account.1.sip_server_port");
	    !s)
		return s;
	const RawValue *enable = find(raw, "account.1.outbound_proxy_enable");
	const bool outbound_current = find(raw, "account.1.outbound_proxy.1.address");
	const char *host_key =
	    outbound_current ? "account.1.outbound_proxy.1.address" : "account.1.outbound_host";
	const char *port_key =
	    outbound_current ? "account.1.outbound_proxy.1.port" : "account.1.outbound_port";
	if (enable && enable->value == "1") {
		if (auto s = put_host_port(out, raw, "user_outbound#1", host_key, port_key); !s)
			return s;
		// A SIP URI as the XML's <user_outbound> holds it (no "read as" warning
		// about text the admin never wrote).
		auto ob = out.settings.find("user_outbound#1");
		if (ob != out.settings.end() && !ob->second.text.empty() &&
		    ob->second.text.rfind("sip:", 0) != 0 && ob->second.text.rfind("sips:", 0) != 0)
			ob->second.text = "sip:" + ob->second.text;
	} else if (const RawValue *h = find(raw, host_key); h && !h->value.empty()) {
		out.warnings.push_back("profile: " + std::string(host_key) + " line " +
		                       std::to_string(h->line) +
		                       ": ignored (account.1.outbound_proxy_enable is not 1)");
	}
	return add_transport(out, raw);
}

std::string language_code(const std::string &gui)
{
	static const std::pair<const char *, const char *> kNames[] = {
	    {"English", "en"}, {"German", "de"},  {"Deutsch", "de"}, {"French", "fr"},
	    {"Italian", "it"}, {"Spanish", "es"}, {"Dutch", "nl"},   {"Polish", "pl"}};
	for (const auto &[name, code] : kNames)
		if (gui == name)
			return code;
	return gui;
}

void map_options(const RawMap &raw, ParsedSettings &out)
{
	if (const RawValue *v = find(raw, "lang.gui"))
		put(out, "language", "lang.gui", *v, language_code(v->value));
	for (const auto &[key, v] : raw) {
		if (!starts_with(key, "hotdesk.") || key.size() == 8)
			continue;
		const std::string name = key.substr(8);
		const bool plain = name == "language" || name == "timezone";
		put(out, plain ? name : "hd_" + name, key, v, v.value);
	}
}

// linekey.N.type = 16 is a BLF key; others are not ours.
void map_line_keys(const RawMap &raw, const ProfileLimits &l, ParsedSettings &out)
{
	std::string default_pickup;
	if (const RawValue *p = find(raw, "features.pickup.direct_pickup_code"))
		default_pickup = p->value;
	std::map<int, const RawValue *> blf; // by N, ordered
	for (const auto &[key, v] : raw) {
		if (!starts_with(key, "linekey.") || key.size() < 14 ||
		    key.compare(key.size() - 5, 5, ".type") != 0)
			continue;
		const std::string n = key.substr(8, key.size() - 13);
		if (n.empty() || n.size() > 3 ||
		    n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1 ||
		    std::stoi(n) > kMaxLineKey) {
			out.warnings.push_back(where(v.line) + ": " + quoted(key) +
			                       " is not a line key from 1 to 255: ignored");
			continue;
		}
		if (v.value == kBlfType)
			blf[std::stoi(n)] = &v;
	}
	for (const auto &[n, type] : blf) {
		const std::string base = "linekey." + std::to_string(n) + ".";
		const std::string at = where(type->line) + ": " + base + "type";
		if (type->duplicate) {
			out.warnings.push_back(at + " appears twice: key dropped");
			continue;
		}
		const RawValue *value = find(raw, base + "value");
		auto ext = blf_extension(value ? value->value : "");
		if (!ext) {
			out.warnings.push_back(at + ": value " + quoted(value ? value->value : "") +
			                       " " + ext.error().what + ": key dropped");
			continue;
		}
		if (out.blf.size() == l.max_blf) {
			out.warnings.push_back(at + ": more than " + std::to_string(l.max_blf) +
			                       " BLF keys: this and later keys dropped");
			break;
		}
		BlfEntry b;
		b.ext = *ext;
		const RawValue *pickup = find(raw, base + "pickup_value");
		const std::string p =
		    pickup && !pickup->value.empty() ? pickup->value : default_pickup;
		if (is_dial_string(p) && p.size() <= kMaxPickup)
			b.pickup = p;
		else
			out.warnings.push_back(
			    at + ": pickup prefix " + quoted(p) +
			    " is not made of digits, * or #: the key has no pickup");
		if (const RawValue *label = find(raw, base + "label"))
			b.label = clean_display_name(label->value);
		out.blf.push_back(std::move(b));
	}
}

} // namespace

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_yealink_cfg(std::string_view text)
{
	if (starts_with(text, kUtf8Bom))
		text.remove_prefix(kUtf8Bom.size());
	const size_t start = text.find_first_not_of(" \t\r\n");
	return start != std::string_view::npos && starts_with(text.substr(start), "#!version:");
}

Expected<ParsedSettings> read_yealink_cfg(std::string_view text, const ProfileLimits &l)
{
	if (text.size() > l.max_bytes)
		return make_error("profile",
		                  "larger than " + std::to_string(l.max_bytes) + " bytes");
	ParsedSettings out;
	if (starts_with(text, kUtf8Bom))
		text.remove_prefix(kUtf8Bom.size());
	auto raw = read_lines(text, l, out.warnings);
	if (!raw)
		return raw.error();
	out.have_settings = true;
	const Status mapped = map_account(*raw, out);
	if (mapped) {
		map_options(*raw, out);
		map_line_keys(*raw, l, out);
	}
	for (auto &kv : *raw)
		wipe_secret(kv.second.value); // the password was one of them
	if (!mapped)
		return mapped.error();
	return out;
}

} // namespace hotdesk
