// SPDX-License-Identifier: BSD-3-Clause
#include "call_census.h"

#include <cstddef>

namespace hotdesk
{

namespace
{

// The rest of the line that starts (after blanks) with `key`; nullopt if
// there is none.
std::optional<std::string> field(const std::string &text, const std::string &key)
{
	size_t at = 0;
	while (at < text.size()) {
		size_t end = text.find('\n', at);
		if (end == std::string::npos)
			end = text.size();
		size_t b = text.find_first_not_of(' ', at);
		if (b != std::string::npos && b < end && text.compare(b, key.size(), key) == 0)
			return text.substr(b + key.size(), end - b - key.size());
		at = end + 1;
	}
	return std::nullopt;
}

std::string trim(const std::string &s)
{
	const size_t b = s.find_first_not_of(" \t");
	if (b == std::string::npos)
		return "";
	return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// "Name <uri>" -> {name, uri}; false when there is no <uri>.
bool name_and_uri(const std::string &v, std::string &name, std::string &uri)
{
	const size_t lt = v.rfind('<'), gt = v.rfind('>');
	if (lt == std::string::npos || gt == std::string::npos || gt < lt + 2)
		return false;
	name = trim(v.substr(0, lt));
	uri = v.substr(lt + 1, gt - lt - 1);
	return uri.compare(0, 4, "sip:") == 0 || uri.compare(0, 5, "sips:") == 0;
}

} // namespace

std::optional<BaresipEvent> call_from_callstat(const std::string &text)
{
	static const std::string kHead = "===== Call debug (";
	const size_t h = text.find(kHead);
	if (h == std::string::npos)
		return std::nullopt;
	const size_t close = text.find(") =====", h);
	if (close == std::string::npos)
		return std::nullopt;
	const std::string state = text.substr(h + kHead.size(), close - h - kHead.size());
	const auto local = field(text, "local_uri:");
	const auto peer = field(text, "peer_uri:");
	const auto ids = field(text, "af=");
	const auto dir = field(text, "direction:");
	if (!local || !peer || !ids || !dir)
		return std::nullopt;
	BaresipEvent e;
	std::string local_name;
	if (!name_and_uri(*local, local_name, e.aor) || !name_and_uri(*peer, e.peername, e.peeruri))
		return std::nullopt;
	const size_t id_at = ids->find(" id=");
	if (id_at == std::string::npos)
		return std::nullopt;
	e.id = trim(ids->substr(id_at + 4));
	if (e.id.empty())
		return std::nullopt;
	const std::string d = trim(*dir);
	if (d != "Outgoing" && d != "Incoming")
		return std::nullopt;
	e.direction = d == "Outgoing" ? "outgoing" : "incoming";
	if (state == "ESTABLISHED")
		e.type = "CALL_ESTABLISHED";
	else if (state == "INCOMING" && e.direction == "incoming")
		e.type = "CALL_INCOMING";
	else if ((state == "RINGING" || state == "EARLY") && e.direction == "outgoing")
		e.type = "CALL_RINGING";
	else
		return std::nullopt;
	return e;
}

} // namespace hotdesk
