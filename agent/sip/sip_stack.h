// SPDX-License-Identifier: BSD-3-Clause
// libre's own SIP stack (sip_alloc; libre 1.1.0), beside baresip's: one UDP
// socket on an ephemeral port of the address that reaches the registrar
// (127.0.0.1 for a registrar on loopback, else the host's default IPv4
// source address), and a DNS client when the host has name servers (a
// registrar given as an address does without). Shared by hotdeskd's own SIP
// users: the BLF dialog subscriptions (agent/keys/sip_dialog_subscriber.h)
// and the credentials check before a login (agent/accounts/register_check.h).
// UDP only: requests to a TCP or TLS target fail (ENOTSUP or the like).
#pragma once

#include "../../platform/re/re_cxx.h"

#include <memory>
#include <string>

namespace hotdesk
{

class SipStack
{
public:
	// `registrar`: host[:port] (picks the local address). Errors name the
	// address that could not be opened.
	static Expected<std::unique_ptr<SipStack>> open(const std::string &registrar);
	// Closes every transaction still running (no handler is called).
	~SipStack();
	SipStack(const SipStack &) = delete;
	SipStack &operator=(const SipStack &) = delete;

	struct sip *sip() const { return sip_; }
	// "127.0.0.1:40123": where answers and NOTIFYs come to (the log, tests).
	const std::string &local_address() const { return laddr_; }

private:
	SipStack() = default;
	struct dnsc *dnsc_ = nullptr;
	struct sip *sip_ = nullptr;
	std::string laddr_;
};

// A copy of `src` in libre's memory that overwrites itself when freed: what
// a sip_auth_h hands libre as the password (libre's digest state frees it
// without wiping; sip/auth.c realm_destructor). 0 or ENOMEM.
int sip_dup_wiped(char **out, const char *src);

} // namespace hotdesk
