// SPDX-License-Identifier: BSD-3-Clause
#include "ctrl_message.h"

#include "../../platform/re/re_cxx.h"

#include <algorithm>

namespace hotdesk
{

namespace
{
constexpr unsigned kMaxDepth = 4; // ctrl_tcp objects are flat
}

Expected<std::string> ctrl_encode_command(const std::string &command, const std::string &params,
                                          const std::string &token)
{
	ReRef<struct odict> o;
	if (odict_alloc(o.out(), 8))
		return make_error("ctrl", "out of memory");
	if (odict_entry_add(o.get(), "command", ODICT_STRING, command.c_str()) ||
	    odict_entry_add(o.get(), "params", ODICT_STRING, params.c_str()) ||
	    odict_entry_add(o.get(), "token", ODICT_STRING, token.c_str()))
		return make_error("ctrl", "cannot build command");
	return odict_json(o.get());
}

std::string redact_account_secrets(std::string text)
{
	static const std::string key = "auth_pass=";
	for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
		const size_t from = at + key.size();
		size_t to = from;
		if (to < text.size() && text[to] == '"') { // a quoted value runs to its quote
			const size_t q = text.find('"', to + 1);
			to = q == std::string::npos ? text.size() : q + 1;
		} else {
			while (to < text.size() && text[to] != ';' && text[to] != ' ' &&
			       text[to] != '>' && text[to] != '\n' && text[to] != '\r')
				++to;
		}
		text.replace(from, to - from, "***");
		at = from + 3;
	}
	return text;
}

std::string redact_account_secrets_json(std::string json)
{
	static const std::string key = "auth_pass=";
	static const std::string quote = "\\\""; // \" inside a JSON string
	for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at)) {
		const size_t from = at + key.size();
		size_t to = from;
		if (json.compare(from, quote.size(), quote) == 0) {
			const size_t q = json.find(quote, from + quote.size());
			to = q == std::string::npos ? json.size() : q + quote.size();
		} else { // an escape (\n) or the string's end ends the value too
			while (to < json.size() && json[to] != ';' && json[to] != ' ' &&
			       json[to] != '>' && json[to] != '"' && json[to] != '\\')
				++to;
		}
		std::fill(json.begin() + static_cast<std::ptrdiff_t>(from),
		          json.begin() + static_cast<std::ptrdiff_t>(to), '*');
		if (to - from > 3)
			json.erase(from + 3, to - from - 3);
		else
			json.insert(to, 3 - (to - from), '*');
		at = from + 3;
	}
	return json;
}

Expected<CtrlMessage> ctrl_decode(std::string_view payload)
{
	ReRef<struct odict> o;
	if (json_decode_odict_wiped(o.out(), 16, payload.data(), payload.size(), kMaxDepth))
		return make_error("ctrl", "frame is not valid JSON");
	CtrlMessage m;
	bool flag = false;
	if (odict_get_boolean(o.get(), &flag, "response") && flag) {
		m.kind = CtrlMessage::Response;
		if (!odict_get_boolean(o.get(), &m.ok, "ok"))
			return make_error("ctrl", "response without boolean 'ok'");
		m.token = odict_str(o.get(), "token");
		m.data = redact_account_secrets(odict_str(o.get(), "data"));
		return m;
	}
	if (odict_get_boolean(o.get(), &flag, "event") && flag) {
		m.kind = CtrlMessage::Event;
		m.type = odict_str(o.get(), "type");
		if (m.type.empty())
			return make_error("ctrl", "event without 'type'");
		m.klass = odict_str(o.get(), "class");
		m.aor = odict_str(o.get(), "accountaor");
		m.param = odict_str(o.get(), "param");
		m.direction = odict_str(o.get(), "direction");
		m.peeruri = odict_str(o.get(), "peeruri");
		m.peername = odict_str(o.get(), "peerdisplayname");
		m.call_id = odict_str(o.get(), "id");
		return m;
	}
	return make_error("ctrl", "frame is neither a response nor an event");
}

} // namespace hotdesk
