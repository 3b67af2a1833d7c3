// SPDX-License-Identifier: BSD-3-Clause
#include "account_line.h"

#include "account_values.h"

namespace hotdesk
{

std::string account_line(const Identity &id, const AccountOptions &opt)
{
	std::string line;
	if (!id.name.empty() && !id.pool)
		line += "\"" + clean_display_name(id.name) + "\" ";
	// Quoted: a password may hold blanks, '<' or '>' (check_sip_password),
	// and the log redaction (redact_account_secrets) then hides all of it.
	line += "<" + id.aor() + ">;auth_pass=\"" + id.sip_password + "\"";
	// Only when it differs: baresip answers the digest with the AOR's user
	// otherwise (src/account.c, account_auth()).
	if (!id.auth_user.empty() && id.auth_user != id.sip_user)
		line += ";auth_user=\"" + id.auth_user + "\"";
	// Explicit: hotdeskd answers calls (the person lifts the handset);
	// baresip must never answer one by itself.
	line += ";answermode=manual";
	if (!opt.outbound_proxy.empty())
		line += ";outbound=\"" + opt.outbound_proxy + "\"";
	// Last, and never a '"': baresip 1.0.0's uanew strips a leading and a
	// trailing quote, which broke "Name" <...>;outbound="..." lines.
	line += ";regint=" + std::to_string(opt.regint);
	return line;
}

} // namespace hotdesk
