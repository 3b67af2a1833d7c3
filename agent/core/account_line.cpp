#include "account_line.h"

namespace hotdesk {

std::string account_line(const Identity &id, const AccountOptions &opt)
{
	std::string line;
	if (!id.name.empty() && !id.pool)
		line += "\"" + id.name + "\" ";
	line += "<" + id.aor() + ">;auth_pass=" + id.sip_password;
	line += ";regint=" + std::to_string(opt.regint);
	if (!opt.outbound_proxy.empty())
		line += ";outbound=\"" + opt.outbound_proxy + "\"";
	return line;
}

} // namespace hotdesk
