// SPDX-License-Identifier: BSD-3-Clause
#include "state_store.h"

#include "../../platform/storage/sealed_file.h"
#include "../core/log.h"

namespace hotdesk
{

namespace
{
const char *kOccupancy = "occupancy";
const std::string kUserPrefix = "user.";
const std::string kProfilePrefix = "profile.";
const std::string kDamagedSuffix = ".damaged";
const char *kIntent = "login-intent";
const char *kDeviceProfile = "device-profile.xml";
const char *kDeviceMeta = "device-profile.meta";
const std::string kDamagedWhat = "damaged: ";

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
bool ends_with(const std::string &s, const std::string &tail)
{
	return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
// A person's files: their damaged copies keep no content.
bool holds_person(const std::string &name)
{
	return name.rfind(kUserPrefix, 0) == 0 || name.rfind(kProfilePrefix, 0) == 0;
}

bool clean_value(const std::string &v)
{
	return v.find_first_of("\r\n") == std::string::npos;
}

// What a damaged person's file looked like, without what it said.
std::string damage_summary(const std::string &name, const std::string &raw,
                           const std::string &reason)
{
	size_t zeros = 0, erased = 0;
	for (unsigned char c : raw) {
		zeros += c == 0x00;
		erased += c == 0xff;
	}
	return "hotdesk damaged state file (content withheld: it held a person's data)\n"
	       "file " +
	       name + "\nreason " + reason + "\nsize " + std::to_string(raw.size()) +
	       "\nzero_bytes " + std::to_string(zeros) + "\nff_bytes " + std::to_string(erased) +
	       "\n";
}

Expected<std::string> need(const KeyValues &kv, const std::string &key, bool may_be_empty)
{
	auto it = kv.find(key);
	if (it == kv.end())
		return make_error("", "missing key " + key);
	if (it->second.empty() && !may_be_empty)
		return make_error("", "empty " + key);
	return it->second;
}

Expected<Occupancy> decode_occupancy(const std::string &body)
{
	auto kv = parse_kv(kOccupancy, body);
	if (!kv)
		return kv.error();
	auto who = need(*kv, "who", false);
	auto since = need(*kv, "since", true);
	auto seq = need(*kv, "seq", false);
	for (const auto *v : {&who, &since, &seq})
		if (!*v)
			return v->error();
	Occupancy o;
	if (seq->find_first_not_of("0123456789") != std::string::npos || seq->size() > 19)
		return make_error("", "seq is not a number");
	o.seq = std::stoull(*seq);
	o.since = *since;
	if (auto st = kv->find("stay"); st != kv->end())
		o.stay = st->second;
	o.pool = *who == "pool";
	if (!o.pool) {
		if (who->rfind("user ", 0) != 0 || !safe_ext(who->substr(5)))
			return make_error("", "who is neither the pool nor a user");
		o.ext = who->substr(5);
	}
	return o;
}

Expected<Identity> decode_user(const std::string &ext, const std::string &body)
{
	auto kv = parse_kv(user_file(ext), body);
	if (!kv)
		return kv.error();
	Identity id;
	id.pool = false;
	struct Field {
		const char *key;
		std::string *to;
		bool may_be_empty;
	} fields[] = {{"ext", &id.ext, false},
	              {"name", &id.name, true},
	              {"sip_user", &id.sip_user, false},
	              {"sip_password", &id.sip_password, false},
	              {"domain", &id.domain, false}};
	for (const Field &f : fields) {
		auto v = need(*kv, f.key, f.may_be_empty);
		if (!v) {
			id.wipe();
			return v.error();
		}
		*f.to = *v;
	}
	// Optional: absent in files written before it and for most accounts.
	if (auto a = kv->find("auth_user"); a != kv->end())
		id.auth_user = a->second;
	for (auto &p : *kv) // the parsed copy of the password
		wipe_secret(p.second);
	if (id.ext != ext) {
		id.wipe();
		return make_error("", "written for another extension");
	}
	return id;
}

Expected<std::string> decode_intent(const std::string &body)
{
	auto kv = parse_kv(kIntent, body);
	if (!kv)
		return kv.error();
	auto ext = need(*kv, "ext", false);
	if (!ext)
		return ext.error();
	if (!safe_ext(*ext))
		return make_error("", "ext is not an extension");
	return *ext;
}

} // namespace

bool is_damaged(const Error &e)
{
	return e.what.rfind(kDamagedWhat, 0) == 0;
}

std::string encode_kv(const std::vector<std::pair<std::string, std::string>> &kv)
{
	std::string out;
	for (const auto &p : kv)
		out += p.first + " " + p.second + "\n";
	return out;
}

// The one reader of the key-value bodies (to be replaced by agent/core's
// shared line-numbered reader): every line "key value\n", key [a-z_]+.
Expected<KeyValues> parse_kv(const std::string &file, const std::string &text)
{
	KeyValues out;
	size_t pos = 0;
	for (unsigned line = 1; pos < text.size(); ++line) {
		const std::string where = file + ":" + std::to_string(line);
		const size_t nl = text.find('\n', pos);
		if (nl == std::string::npos)
			return make_error(where, "line not terminated");
		const std::string l = text.substr(pos, nl - pos);
		pos = nl + 1;
		const size_t sp = l.find(' ');
		const std::string key = l.substr(0, sp);
		if (sp == std::string::npos || key.empty() ||
		    key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
			return make_error(where, "not a 'key value' line");
		if (!out.emplace(key, l.substr(sp + 1)).second)
			return make_error(where, "repeated key " + key);
	}
	return out;
}

// ---- sealed files and damage ----

Expected<std::optional<StateStore::Sealed>> StateStore::read_sealed(const std::string &name)
{
	auto raw = s_.read(name);
	if (!raw)
		return raw.error();
	if (!*raw)
		return std::optional<Sealed>{};
	auto body = platform::unseal(name, **raw);
	if (!body) {
		Error e = damaged(name, **raw, body.error().what);
		wipe_secret(**raw);
		return e;
	}
	return std::optional<Sealed>(Sealed{std::move(**raw), std::move(*body)});
}

Status StateStore::write_sealed(const std::string &name, const std::string &body)
{
	return s_.write(name, platform::seal(name, body));
}

Error StateStore::damaged(const std::string &name, const std::string &raw,
                          const std::string &reason)
{
	StateDamage d{name, reason, name + kDamagedSuffix};
	const std::string copy = holds_person(name) ? damage_summary(name, raw, reason) : raw;
	if (!s_.write(d.kept_as, copy))
		d.kept_as.clear();
	const Status removed = s_.remove(name);
	log_error("state: " + name + " is damaged (" + reason + "); not used" +
	          (d.kept_as.empty() ? "" : ", kept as " + d.kept_as) +
	          (removed ? "" : "; cannot remove it: " + removed.error().str()));
	damage_.push_back(d);
	return make_error("state: " + name, kDamagedWhat + reason);
}

std::vector<std::string> StateStore::kept_damaged()
{
	std::vector<std::string> out;
	for (const auto &name : s_.list())
		if (ends_with(name, kDamagedSuffix))
			out.push_back(name);
	return out;
}

// ---- the files ----

Expected<Occupancy> StateStore::load_occupancy()
{
	auto f = read_sealed(kOccupancy);
	if (!f)
		return f.error();
	if (!*f)
		return Occupancy{}; // first boot: the pool
	auto o = decode_occupancy((*f)->body);
	if (!o)
		return damaged(kOccupancy, (*f)->raw, o.error().str());
	return o;
}

Status StateStore::save_occupancy(const Occupancy &o)
{
	if (!clean_value(o.since) || !clean_value(o.stay) || (!o.pool && !safe_ext(o.ext)))
		return make_error("state", "bad occupancy value");
	std::vector<std::pair<std::string, std::string>> kv{
	    {"who", o.pool ? "pool" : "user " + o.ext},
	    {"since", o.since},
	    {"seq", std::to_string(o.seq)}};
	if (!o.stay.empty())
		kv.emplace_back("stay", o.stay);
	return write_sealed(kOccupancy, encode_kv(kv));
}

Expected<std::optional<SavedUser>> StateStore::load_user(const std::string &ext)
{
	if (!safe_ext(ext))
		return make_error("state: user", "bad extension");
	auto f = read_sealed(user_file(ext));
	if (!f)
		return f.error();
	if (!*f)
		return std::optional<SavedUser>{};
	auto id = decode_user(ext, (*f)->body);
	Error bad = id ? Error{} : damaged(user_file(ext), (*f)->raw, id.error().str());
	wipe_secret((*f)->raw);
	wipe_secret((*f)->body);
	if (!id)
		return bad;
	SavedUser u;
	u.id = std::move(*id);
	// A damaged profile is moved aside and logged; the person comes back
	// without its BLF keys rather than not at all.
	if (auto prof = read_sealed(profile_file(ext)); prof && *prof)
		u.profile_xml = (*prof)->body;
	return std::optional<SavedUser>(std::move(u));
}

Status StateStore::save_user(const SavedUser &u)
{
	const Identity &i = u.id;
	for (const auto *v :
	     {&i.ext, &i.name, &i.sip_user, &i.auth_user, &i.sip_password, &i.domain})
		if (!clean_value(*v))
			return make_error("state", "bad user value");
	if (!safe_ext(i.ext))
		return make_error("state", "bad extension");
	if (auto s = write_sealed(profile_file(i.ext), u.profile_xml); !s)
		return s;
	std::vector<std::pair<std::string, std::string>> kv = {{"ext", i.ext},
	                                                       {"name", i.name},
	                                                       {"sip_user", i.sip_user},
	                                                       {"sip_password", i.sip_password},
	                                                       {"domain", i.domain}};
	if (!i.auth_user.empty())
		kv.emplace_back("auth_user", i.auth_user);
	Status written = write_sealed(user_file(i.ext), encode_kv(kv));
	for (auto &p : kv) // the copy of the password
		wipe_secret(p.second);
	return written;
}

Status StateStore::forget_users_except(const std::string &keep)
{
	Status result = Ok{};
	for (const auto &name : s_.list()) {
		if (!holds_person(name) || ends_with(name, kDamagedSuffix))
			continue; // damaged copies of a person's files hold no content
		if (!keep.empty() && (name == user_file(keep) || name == profile_file(keep)))
			continue;
		if (auto s = s_.remove(name); !s)
			result = s;
	}
	return result;
}

Status StateStore::begin_login(const std::string &ext)
{
	if (!safe_ext(ext))
		return make_error("state", "bad extension");
	return write_sealed(kIntent, encode_kv({{"ext", ext}}));
}

Status StateStore::end_login()
{
	return s_.remove(kIntent);
}

Expected<std::optional<std::string>> StateStore::pending_login()
{
	auto f = read_sealed(kIntent);
	if (!f)
		return f.error();
	if (!*f)
		return std::optional<std::string>{};
	auto ext = decode_intent((*f)->body);
	if (!ext)
		return damaged(kIntent, (*f)->raw, ext.error().str());
	return std::optional<std::string>(*ext);
}

Expected<std::optional<CachedProfile>> StateStore::load_device_profile()
{
	auto xml = read_sealed(kDeviceProfile);
	if (!xml)
		return xml.error();
	if (!*xml)
		return std::optional<CachedProfile>{};
	CachedProfile p;
	p.xml = std::move((*xml)->body);
	// Damaged validators only cost a full GET instead of a conditional one.
	auto meta = read_sealed(kDeviceMeta);
	if (meta && *meta) {
		auto kv = parse_kv(kDeviceMeta, (*meta)->body);
		Expected<std::string> etag = kv ? need(*kv, "etag", true) : kv.error();
		Expected<std::string> lm = kv ? need(*kv, "last_modified", true) : kv.error();
		if (etag && lm) {
			p.etag = *etag;
			p.last_modified = *lm;
		} else {
			(void)damaged(kDeviceMeta, (*meta)->raw, (etag ? lm : etag).error().str());
		}
	}
	return std::optional<CachedProfile>(std::move(p));
}

Status StateStore::save_device_profile(const CachedProfile &p)
{
	if (!clean_value(p.etag) || !clean_value(p.last_modified))
		return make_error("state", "bad profile metadata");
	if (auto s = write_sealed(kDeviceProfile, p.xml); !s)
		return s;
	return write_sealed(kDeviceMeta,
	                    encode_kv({{"etag", p.etag}, {"last_modified", p.last_modified}}));
}

} // namespace hotdesk
