// SPDX-License-Identifier: BSD-3-Clause
#include "status_model.h"

#include "../../platform/re/re_cxx.h"

#include <tinyxml2.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

namespace hotdesk
{

namespace
{

constexpr unsigned kMaxJsonDepth = 4;

int add_str(struct odict *o, const char *key, const std::string &v)
{
	return odict_entry_add(o, key, ODICT_STRING, v.c_str());
}

int add_int(struct odict *o, const char *key, uint64_t v)
{
	// JSON integers here never get near 2^63 (seconds, counters).
	return odict_entry_add(o, key, ODICT_INT, static_cast<int64_t>(v));
}

int add_device(struct odict *o, const StatusSnapshot &s)
{
	ReRef<struct odict> dev;
	if (odict_alloc(dev.out(), 4))
		return ENOMEM;
	if (add_str(dev.get(), "mac", s.device_id) || add_str(dev.get(), "pool_ext", s.pool_ext))
		return ENOMEM;
	return odict_entry_add(o, "device", ODICT_OBJECT, dev.get());
}

int add_user(struct odict *o, const StatusSnapshot &s)
{
	if (s.user_ext.empty())
		return odict_entry_add(o, "user", ODICT_NULL);
	ReRef<struct odict> user;
	if (odict_alloc(user.out(), 4))
		return ENOMEM;
	if (add_str(user.get(), "ext", s.user_ext) || add_str(user.get(), "name", s.user_name))
		return ENOMEM;
	return odict_entry_add(o, "user", ODICT_OBJECT, user.get());
}

int add_emergency(struct odict *o, const StatusSnapshot &s)
{
	ReRef<struct odict> e, loc;
	if (odict_alloc(e.out(), 8) || odict_alloc(loc.out(), 16))
		return ENOMEM;
	for (const CivicField &f : civic_fields())
		if (add_str(loc.get(), f.name, s.location.*f.member))
			return ENOMEM;
	if (add_str(e.get(), "via", s.emergency_via) || add_str(e.get(), "ext", s.emergency_ext) ||
	    add_str(e.get(), "registration", s.emergency_registration) ||
	    add_str(e.get(), "callback", s.emergency_callback) ||
	    odict_entry_add(e.get(), "location", ODICT_OBJECT, loc.get()))
		return ENOMEM;
	return odict_entry_add(o, "emergency", ODICT_OBJECT, e.get());
}

void xml_text(tinyxml2::XMLPrinter &p, const char *name, const std::string &v)
{
	p.OpenElement(name, true);
	p.PushText(v.c_str());
	p.CloseElement(true);
}

void xml_number(tinyxml2::XMLPrinter &p, const char *name, uint64_t v)
{
	p.OpenElement(name, true);
	p.PushText(v);
	p.CloseElement(true);
}

std::string str_in(const struct odict *o, const char *object, const char *key)
{
	const struct odict_entry *e = odict_get_type(o, ODICT_OBJECT, object);
	return e ? odict_str(e->u.odict, key) : "";
}

std::string or_dash(const std::string &s)
{
	return s.empty() ? "-" : s;
}

std::string duration(uint64_t s)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%llud %02lluh %02llum %02llus",
	              static_cast<unsigned long long>(s / 86400),
	              static_cast<unsigned long long>(s / 3600 % 24),
	              static_cast<unsigned long long>(s / 60 % 60),
	              static_cast<unsigned long long>(s % 60));
	return buf;
}

} // namespace

std::string render_json(const StatusSnapshot &s)
{
	ReRef<struct odict> o;
	if (odict_alloc(o.out(), 16))
		return {};
	struct odict *d = o.get();
	if (add_device(d, s) || add_str(d, "state", s.state) || add_str(d, "since", s.since_iso) ||
	    add_user(d, s) || add_str(d, "registration", s.registration) ||
	    add_str(d, "last_error", s.last_error) || add_str(d, "pending", s.pending) ||
	    add_str(d, "state_damaged", s.state_damaged) || add_int(d, "calls", s.calls) ||
	    add_str(d, "auto_logout_policy", s.auto_logout_policy) ||
	    add_str(d, "auto_logout_next", s.auto_logout_next) ||
	    add_str(d, "auto_logout_at", s.auto_logout_at) ||
	    add_str(d, "logout_reason", s.logout_reason) || add_emergency(d, s) ||
	    add_str(d, "version", s.version) || add_int(d, "uptime_s", s.uptime_s) ||
	    add_int(d, "seq", s.seq))
		return {};
	auto json = odict_json(d);
	return json ? *json : std::string();
}

std::string render_xml(const StatusSnapshot &s)
{
	tinyxml2::XMLPrinter p(nullptr, /*compact=*/true);
	p.PushHeader(false, true);
	p.OpenElement("status");
	p.OpenElement("device");
	xml_text(p, "mac", s.device_id);
	xml_text(p, "pool_ext", s.pool_ext);
	p.CloseElement();
	xml_text(p, "state", s.state);
	xml_text(p, "since", s.since_iso);
	if (!s.user_ext.empty()) {
		p.OpenElement("user");
		xml_text(p, "ext", s.user_ext);
		xml_text(p, "name", s.user_name);
		p.CloseElement();
	}
	xml_text(p, "registration", s.registration);
	xml_text(p, "last_error", s.last_error);
	xml_text(p, "pending", s.pending);
	xml_number(p, "calls", s.calls);
	xml_text(p, "auto_logout_policy", s.auto_logout_policy);
	xml_text(p, "auto_logout_next", s.auto_logout_next);
	xml_text(p, "auto_logout_at", s.auto_logout_at);
	xml_text(p, "logout_reason", s.logout_reason);
	p.OpenElement("emergency");
	xml_text(p, "via", s.emergency_via);
	xml_text(p, "ext", s.emergency_ext);
	xml_text(p, "registration", s.emergency_registration);
	xml_text(p, "callback", s.emergency_callback);
	p.OpenElement("location");
	for (const CivicField &f : civic_fields())
		xml_text(p, f.name, s.location.*f.member);
	p.CloseElement();
	p.CloseElement();
	xml_text(p, "state_damaged", s.state_damaged);
	xml_text(p, "version", s.version);
	xml_number(p, "uptime_s", s.uptime_s);
	xml_number(p, "seq", s.seq);
	p.CloseElement();
	return std::string(p.CStr(), p.CStrSize() > 0 ? p.CStrSize() - 1 : 0);
}

std::string render_text(const StatusSnapshot &s)
{
	std::string user = "-";
	if (!s.user_ext.empty())
		user = s.user_ext + (s.user_name.empty() ? "" : " (" + s.user_name + ")");
	return "Device:       " + or_dash(s.device_id) + " (pool " + or_dash(s.pool_ext) + ")\n" +
	       "State:        " + or_dash(s.state) + " since " + or_dash(s.since_iso) + "\n" +
	       "User:         " + user + "\n" + "Registration: " + or_dash(s.registration) + "\n" +
	       "Last error:   " + or_dash(s.last_error) + "\n" +
	       (s.state_damaged.empty()
	            ? ""
	            : "State files:  damaged, kept as " + s.state_damaged + "\n") +
	       "Calls:        " + std::to_string(s.calls) +
	       (s.pending.empty() ? "" : ", " + s.pending + " after the last call") + "\n" +
	       "Auto logout:  " + or_dash(s.auto_logout_policy) +
	       (s.auto_logout_next.empty()
	            ? ""
	            : ", next " + s.auto_logout_next + " at " + s.auto_logout_at) +
	       "\n" + "Emergency:    " + or_dash(s.emergency_ext) + " (" +
	       or_dash(s.emergency_via) + ", " + or_dash(s.emergency_registration) + ")" +
	       (s.location.short_line().empty() ? "" : ", " + s.location.short_line()) + "\n" +
	       "Agent:        hotdeskd " + or_dash(s.version) + ", up " + duration(s.uptime_s) +
	       ", seq " + std::to_string(s.seq) + "\n" +
	       "Health:       " + (status_healthy(s) ? "OK" : "NOT OK") + "\n";
}

Expected<StatusSnapshot> parse_status_json(std::string_view json)
{
	ReRef<struct odict> o;
	if (json_decode_odict(o.out(), 16, json.data(), json.size(), kMaxJsonDepth))
		return make_error("status", "malformed JSON");
	const struct odict *d = o.get();
	StatusSnapshot s;
	s.device_id = str_in(d, "device", "mac");
	s.pool_ext = str_in(d, "device", "pool_ext");
	s.state = odict_str(d, "state");
	s.since_iso = odict_str(d, "since");
	s.user_ext = str_in(d, "user", "ext");
	s.user_name = str_in(d, "user", "name");
	s.registration = odict_str(d, "registration");
	s.last_error = odict_str(d, "last_error");
	s.pending = odict_str(d, "pending");
	s.state_damaged = odict_str(d, "state_damaged");
	(void)odict_get_number(d, &s.calls, "calls");
	s.auto_logout_policy = odict_str(d, "auto_logout_policy");
	s.auto_logout_next = odict_str(d, "auto_logout_next");
	s.auto_logout_at = odict_str(d, "auto_logout_at");
	s.logout_reason = odict_str(d, "logout_reason");
	if (const struct odict_entry *e = odict_get_type(d, ODICT_OBJECT, "emergency")) {
		const struct odict *em = e->u.odict;
		s.emergency_via = odict_str(em, "via");
		s.emergency_ext = odict_str(em, "ext");
		s.emergency_registration = odict_str(em, "registration");
		s.emergency_callback = odict_str(em, "callback");
		for (const CivicField &f : civic_fields())
			s.location.*f.member = str_in(em, "location", f.name);
	}
	s.version = odict_str(d, "version");
	if (s.state.empty() || !odict_get_number(d, &s.seq, "seq"))
		return make_error("status", "not a status document");
	(void)odict_get_number(d, &s.uptime_s, "uptime_s");
	return s;
}

bool operator==(const StatusSnapshot &a, const StatusSnapshot &b)
{
	return a.seq == b.seq && a.uptime_s == b.uptime_s && a.state == b.state &&
	       a.registration == b.registration && a.user_ext == b.user_ext &&
	       a.user_name == b.user_name && a.since_iso == b.since_iso &&
	       a.last_error == b.last_error && a.device_id == b.device_id &&
	       a.pool_ext == b.pool_ext && a.version == b.version && a.pending == b.pending &&
	       a.calls == b.calls && a.logout_reason == b.logout_reason &&
	       a.emergency_via == b.emergency_via && a.emergency_ext == b.emergency_ext &&
	       a.emergency_registration == b.emergency_registration &&
	       a.emergency_callback == b.emergency_callback && a.location == b.location &&
	       a.state_damaged == b.state_damaged;
}

bool status_healthy(const StatusSnapshot &s)
{
	return (s.state == "idle" || s.state == "logged-in") && s.registration == "registered";
}

} // namespace hotdesk
