// SPDX-License-Identifier: BSD-3-Clause
#include "registration_health.h"

#include "../core/log.h"

namespace hotdesk
{

void RegistrationHealth::on_event(const CtrlMessage &m, const std::string &occupant, bool swapping)
{
	if (m.aor != occupant)
		return;
	if (m.type == "REGISTER_OK")
		set("registered");
	else if (m.type == "REGISTER_FAIL")
		set("failed");
	else if (m.type == "REGISTERING" && word_ != "registered")
		set("registering");
	if (swapping || (m.type != "REGISTER_OK" && m.type != "REGISTER_FAIL"))
		return;
	if (m.type == "REGISTER_FAIL")
		log_warn("registration: " + m.aor + " failed: " + m.param);
	h_.service(m.type == "REGISTER_OK");
}

void RegistrationHealth::found_registered(const std::string &aor, const std::string &occupant)
{
	if (aor != occupant)
		return;
	set("registered");
	h_.service(true);
}

void RegistrationHealth::lost()
{
	set("unknown");
}

void RegistrationHealth::set(const std::string &w)
{
	if (w == word_)
		return;
	word_ = w;
	h_.changed();
}

} // namespace hotdesk
