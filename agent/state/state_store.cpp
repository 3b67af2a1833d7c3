// SPDX-License-Identifier: BSD-3-Clause
#include "state_store.h"

#include <sstream>

namespace hotdesk
{

namespace
{
const char *kOccupancy = "occupancy";
const std::string kUserPrefix = "user.";
const std::string kProfilePrefix = "profile.";
std::string user_file(const std::string &ext)
{
	return kUserPrefix + ext;
}
std::string profile_file(const std::string &ext)
{
	return kProfilePrefix + ext + ".xml";
}
bool safe_ext(const std::string &ext)
{
	return !ext.empty() && ext.size() <= 32 &&
	       ext.find_first_not_of(
	           "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-+") ==
	           std::string::npos;
}
const char *kIntent = "login-intent";
const char *kDeviceProfile = "device-profile.xml";
const char *kDeviceMeta = "device-profile.meta";

bool clean_value(const std::string &v)
{
	return v.find_first_of("\r\n") == std::string::npos;
}
} // namespace

std::string encode_kv(const std::vector<std::pair<std::string, std::string>> &kv)
{
	std::string out;
	for (const auto &p : kv)
		out += p.first + " " + p.second + "\n";
	return out;
}

std::optional<std::string> kv_get(const std::string &text, const std::string &key)
{
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
		    line[key.size()] == ' ')
			return line.substr(key.size() + 1);
	return std::nullopt;
}

Expected<Occupancy> StateStore::load_occupancy()
{
	auto text = s_.read(kOccupancy);
	if (!text)
		return text.error();
	Occupancy o;
	if (!*text)
		return o; // first boot: the pool
	const std::string &t = **text;
	const auto who = kv_get(t, "who");
	const auto seq = kv_get(t, "seq");
	if (!who || !seq || seq->empty() ||
	    seq->find_first_not_of("0123456789") != std::string::npos || seq->size() > 19)
		return make_error("state: occupancy", "corrupt file");
	o.pool = *who == "pool";
	if (!o.pool) {
		if (who->rfind("user ", 0) != 0 || who->size() < 6)
			return make_error("state: occupancy", "corrupt file");
		o.ext = who->substr(5);
	}
	o.since = kv_get(t, "since").value_or("");
	o.seq = std::stoull(*seq);
	return o;
}

Status StateStore::save_occupancy(const Occupancy &o)
{
	if (!clean_value(o.ext) || !clean_value(o.since))
		return make_error("state", "bad occupancy value");
	return s_.write(kOccupancy, encode_kv({{"who", o.pool ? "pool" : "user " + o.ext},
	                                       {"since", o.since},
	                                       {"seq", std::to_string(o.seq)}}));
}

Expected<std::optional<SavedUser>> StateStore::load_user(const std::string &ext)
{
	if (!safe_ext(ext))
		return make_error("state: user", "bad extension");
	auto text = s_.read(user_file(ext));
	if (!text)
		return text.error();
	if (!*text)
		return std::optional<SavedUser>{};
	const std::string &t = **text;
	SavedUser u;
	u.id.pool = false;
	u.id.ext = kv_get(t, "ext").value_or("");
	u.id.name = kv_get(t, "name").value_or("");
	u.id.sip_user = kv_get(t, "sip_user").value_or("");
	u.id.sip_password = kv_get(t, "sip_password").value_or("");
	u.id.domain = kv_get(t, "domain").value_or("");
	if (u.id.ext != ext || u.id.sip_user.empty() || u.id.sip_password.empty() ||
	    u.id.domain.empty())
		return make_error("state: user", "corrupt file");
	auto prof = s_.read(profile_file(ext));
	if (prof && *prof)
		u.profile_xml = **prof;
	return std::optional<SavedUser>(std::move(u));
}

Status StateStore::save_user(const SavedUser &u)
{
	const Identity &i = u.id;
	for (const auto *v : {&i.ext, &i.name, &i.sip_user, &i.sip_password, &i.domain})
		if (!clean_value(*v))
			return make_error("state", "bad user value");
	if (!safe_ext(i.ext))
		return make_error("state", "bad extension");
	if (auto s = s_.write(profile_file(i.ext), u.profile_xml); !s)
		return s;
	return s_.write(user_file(i.ext), encode_kv({{"ext", i.ext},
	                                             {"name", i.name},
	                                             {"sip_user", i.sip_user},
	                                             {"sip_password", i.sip_password},
	                                             {"domain", i.domain}}));
}

Status StateStore::forget_users_except(const std::string &keep)
{
	Status result = Ok{};
	for (const auto &name : s_.list()) {
		const bool user = name.rfind(kUserPrefix, 0) == 0;
		const bool prof = name.rfind(kProfilePrefix, 0) == 0;
		if (!user && !prof)
			continue;
		if (!keep.empty() && (name == user_file(keep) || name == profile_file(keep)))
			continue;
		if (auto s = s_.remove(name); !s)
			result = s;
	}
	return result;
}

Status StateStore::begin_login(const std::string &ext)
{
	if (!clean_value(ext))
		return make_error("state", "bad extension");
	return s_.write(kIntent, encode_kv({{"ext", ext}}));
}

Status StateStore::end_login()
{
	return s_.remove(kIntent);
}

Expected<std::optional<std::string>> StateStore::pending_login()
{
	auto text = s_.read(kIntent);
	if (!text)
		return text.error();
	if (!*text)
		return std::optional<std::string>{};
	return std::optional<std::string>(kv_get(**text, "ext").value_or(""));
}

Expected<std::optional<CachedProfile>> StateStore::load_device_profile()
{
	auto xml = s_.read(kDeviceProfile);
	if (!xml)
		return xml.error();
	if (!*xml)
		return std::optional<CachedProfile>{};
	CachedProfile p;
	p.xml = **xml;
	auto meta = s_.read(kDeviceMeta);
	if (meta && *meta) {
		p.etag = kv_get(**meta, "etag").value_or("");
		p.last_modified = kv_get(**meta, "last_modified").value_or("");
	}
	return std::optional<CachedProfile>(std::move(p));
}

Status StateStore::save_device_profile(const CachedProfile &p)
{
	if (!clean_value(p.etag) || !clean_value(p.last_modified))
		return make_error("state", "bad profile metadata");
	if (auto s = s_.write(kDeviceProfile, p.xml); !s)
		return s;
	return s_.write(kDeviceMeta,
	                encode_kv({{"etag", p.etag}, {"last_modified", p.last_modified}}));
}

} // namespace hotdesk
