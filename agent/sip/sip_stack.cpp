// SPDX-License-Identifier: BSD-3-Clause
#include "sip_stack.h"

#include <cstring>

namespace hotdesk
{

namespace
{

void wipe_cstr(void *arg)
{
	auto *s = static_cast<char *>(arg);
	std::memset(s, 0, std::strlen(s));
}

// The host part of "host[:port]" ("[::1]:5060" keeps its brackets off).
std::string host_of(const std::string &hostport)
{
	if (!hostport.empty() && hostport[0] == '[')
		return hostport.substr(1, hostport.find(']') - 1);
	return hostport.substr(0, hostport.find(':'));
}

Expected<std::string> local_ip_for(const std::string &registrar)
{
	const std::string host = host_of(registrar);
	if (host == "localhost" || host.rfind("127.", 0) == 0)
		return std::string("127.0.0.1");
	struct sa ip;
	if (net_default_source_addr_get(AF_INET, &ip))
		return make_error("sip", "no local IPv4 address to send from");
	char buf[64];
	if (sa_ntop(&ip, buf, sizeof(buf)))
		return make_error("sip", "no local IPv4 address to send from");
	return std::string(buf);
}

} // namespace

int sip_dup_wiped(char **out, const char *src)
{
	const size_t n = std::strlen(src);
	auto *p = static_cast<char *>(mem_alloc(n + 1, wipe_cstr));
	if (!p)
		return ENOMEM;
	std::memcpy(p, src, n + 1);
	*out = p;
	return 0;
}

Expected<std::unique_ptr<SipStack>> SipStack::open(const std::string &registrar)
{
	std::unique_ptr<SipStack> me(new SipStack());
	auto ip = local_ip_for(registrar);
	if (!ip)
		return ip.error();
	struct sa nsv[4];
	uint32_t nsn = 4;
	char domain[64] = "";
	// Names need DNS; a registrar given as an address does without.
	if (dns_srv_get(domain, sizeof(domain), nsv, &nsn) == 0 && nsn > 0)
		(void)dnsc_alloc(&me->dnsc_, nullptr, nsv, nsn);
	int err = sip_alloc(&me->sip_, me->dnsc_, 16, 16, 16, "hotdeskd", nullptr, nullptr);
	struct sa laddr;
	if (!err)
		err = sa_set_str(&laddr, ip->c_str(), 0);
	if (!err)
		err = sip_transp_add(me->sip_, SIP_TRANSP_UDP, &laddr);
	if (err)
		return make_error("sip", std::string("cannot open a SIP socket on ") + *ip + ": " +
		                             std::strerror(err));
	struct sa bound;
	if (sip_transp_laddr(me->sip_, &bound, SIP_TRANSP_UDP, &laddr) == 0) {
		char buf[64];
		if (sa_ntop(&bound, buf, sizeof(buf)) == 0)
			me->laddr_ = std::string(buf) + ":" + std::to_string(sa_port(&bound));
	}
	return me;
}

SipStack::~SipStack()
{
	if (sip_)
		sip_close(sip_, true);
	mem_deref(sip_);
	mem_deref(dnsc_);
}

} // namespace hotdesk
