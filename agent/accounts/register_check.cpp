// SPDX-License-Identifier: BSD-3-Clause
#include "register_check.h"

#include "../core/text.h"

#include <cstring>

namespace hotdesk
{

namespace
{

using N = RegisterNext;
using St = RegisterStep;

// The decision table (register_check.h). Rows are read in order; scode
// ranges are inclusive; `realm`/`stale`: -1 any, 0 no, 1 yes.
struct Row {
	St step;
	uint16_t lo, hi;
	int known_realm, stale;
	N next;
};
// clang-format off
const Row kTable[] = {
	{St::Query,    200, 299, -1, -1, N::Accept},
	{St::Query,    401, 401, -1, -1, N::Authenticate},
	{St::Query,    407, 407, -1, -1, N::Authenticate},
	{St::Answered, 200, 299, -1, -1, N::Accept},
	{St::Answered, 401, 401,  1,  0, N::Refuse},
	{St::Answered, 407, 407,  1,  0, N::Refuse},
	{St::Answered, 403, 403, -1, -1, N::Refuse},
};
// clang-format on

bool matches(int want, bool have)
{
	return want < 0 || (want == 1) == have;
}

// The challenges of a 401/407 (WWW- and Proxy-Authenticate, RFC 3261 22.2/22.3).
struct Challenges {
	std::string realms; // "\n"-separated
	bool stale = false;
	bool undecodable = false;
};

bool challenge_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	(void)msg;
	auto *c = static_cast<Challenges *>(arg);
	struct httpauth_digest_chall ch;
	if (httpauth_digest_challenge_decode(&ch, &hdr->val)) {
		c->undecodable = true;
		return false;
	}
	c->realms += std::string(ch.realm.p, ch.realm.l) + "\n";
	if (pl_isset(&ch.stale) && !pl_strcasecmp(&ch.stale, "true"))
		c->stale = true;
	return false;
}

Challenges challenges_of(const struct sip_msg *msg)
{
	Challenges c;
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_WWW_AUTHENTICATE, challenge_h, &c);
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_PROXY_AUTHENTICATE, challenge_h, &c);
	return c;
}

// Every realm of `now` is one of `before` (both "\n"-separated, non-empty).
bool realms_known(const std::string &now, const std::string &before)
{
	if (now.empty())
		return false;
	size_t i = 0;
	while (i < now.size()) {
		const size_t j = now.find('\n', i);
		if (("\n" + before).find("\n" + now.substr(i, j - i + 1)) == std::string::npos)
			return false;
		i = j + 1;
	}
	return true;
}

// The value of `;transport=` in an outbound proxy URI ("" when none).
std::string transport_of(const std::string &uri)
{
	const std::string key = ";transport=";
	const size_t i = uri.find(key);
	if (i == std::string::npos)
		return "";
	const size_t from = i + key.size();
	return uri.substr(from, uri.find(';', from) - from);
}

std::string status_line(const struct sip_msg *msg)
{
	return std::to_string(msg->scode) + " " + std::string(msg->reason.p, msg->reason.l);
}

} // namespace

const char *register_verdict_name(RegisterVerdict v)
{
	switch (v) {
	case RegisterVerdict::Accepted:
		return "accepted";
	case RegisterVerdict::Refused:
		return "refused";
	case RegisterVerdict::Unknown:
		return "not checked";
	}
	return "?";
}

RegisterNext register_check_next(RegisterStep step, uint16_t scode, bool known_realm, bool stale)
{
	for (const auto &r : kTable)
		if (r.step == step && scode >= r.lo && scode <= r.hi &&
		    matches(r.known_realm, known_realm) && matches(r.stale, stale))
			return r.next;
	return N::Skip;
}

RegisterCheck::RegisterCheck(struct sip *sip, unsigned deadline_ms)
    : sip_(sip), deadline_ms_(deadline_ms)
{
	tmr_init(&deadline_tmr_);
	tmr_init(&post_tmr_);
}

RegisterCheck::~RegisterCheck()
{
	drop();
}

void RegisterCheck::check(const RegisterTarget &target, Done done)
{
	drop();
	target_ = target;
	done_ = std::move(done);
	step_ = RegisterStep::Query;
	in_check_ = true;
	start();
	in_check_ = false;
}

void RegisterCheck::start()
{
	const std::string tp = transport_of(target_.outbound);
	if (!tp.empty() && tp != "udp") {
		finish(RegisterVerdict::Unknown, 0, "transport " + tp + " is not checked");
		return;
	}
	const std::string uri = "sip:" + target_.registrar;
	const char *route[] = {target_.outbound.c_str()};
	int err = sip_dialog_alloc(&dlg_, uri.c_str(), target_.aor.c_str(), nullptr,
	                           target_.aor.c_str(), route, target_.outbound.empty() ? 0 : 1);
	if (!err)
		err = sip_auth_alloc(&auth_, auth_h, this, false);
	if (!err)
		err = send();
	if (err) {
		finish(RegisterVerdict::Unknown, 0, std::string("not sent: ") + std::strerror(err));
		return;
	}
	tmr_start(&deadline_tmr_, deadline_ms_, deadline_h, this);
}

// No Contact: a query (RFC 3261 10.2.3). sip_drequestf adds Via, From, To,
// Call-ID, CSeq (the next one), Max-Forwards, the Route and the
// Authorization lines of every realm answered.
int RegisterCheck::send()
{
	return sip_drequestf(&req_, sip_, true, "REGISTER", dlg_, 0, auth_, nullptr, response_h,
	                     this, "Content-Length: 0\r\n\r\n");
}

void RegisterCheck::on_response(int err, const struct sip_msg *msg)
{
	if (err || !msg) {
		finish(RegisterVerdict::Unknown, 0,
		       std::string("no answer (") + std::strerror(err ? err : EPROTO) + ")");
		return;
	}
	if (msg->scode < 200)
		return;
	const bool challenge = msg->scode == 401 || msg->scode == 407;
	const Challenges c = challenge ? challenges_of(msg) : Challenges{};
	const bool known = challenge && !c.undecodable &&
	                   realms_known(c.realms, step_ == St::Query ? "" : realms_);
	switch (register_check_next(step_, msg->scode, known, c.stale)) {
	case N::Accept:
		finish(RegisterVerdict::Accepted, msg->scode, status_line(msg));
		return;
	case N::Refuse:
		finish(RegisterVerdict::Refused, msg->scode, status_line(msg));
		return;
	case N::Skip:
		finish(RegisterVerdict::Unknown, msg->scode,
		       status_line(msg) + (c.stale ? " (stale nonce)" : ""));
		return;
	case N::Authenticate:
		break;
	}
	// Answered once: libre's digest state takes the challenge's nonce and asks
	// auth_h for the credentials of each new realm.
	err = c.undecodable ? EBADMSG : sip_auth_authenticate(auth_, msg);
	if (!err) {
		realms_ = c.realms;
		step_ = RegisterStep::Answered;
		err = send();
	}
	if (err)
		finish(RegisterVerdict::Unknown, msg->scode,
		       status_line(msg) + ", challenge not answered: " + std::strerror(err));
}

void RegisterCheck::finish(RegisterVerdict v, uint16_t scode, const std::string &reason)
{
	Done done = std::move(done_);
	done_ = nullptr;
	drop();
	RegisterCheckResult r{v, scode, reason};
	if (in_check_) {
		// Never from inside check(): reported from a timer.
		done_ = std::move(done);
		posted_ = std::move(r);
		tmr_start(&post_tmr_, 0, post_h, this);
		return;
	}
	done(r);
}

// Lets go of the request (libre drops its answer), the dialog and the
// digest state (whose password copies wipe themselves), wipes ours.
void RegisterCheck::drop()
{
	tmr_cancel(&deadline_tmr_);
	tmr_cancel(&post_tmr_);
	req_ = static_cast<struct sip_request *>(mem_deref(req_));
	dlg_ = static_cast<struct sip_dialog *>(mem_deref(dlg_));
	auth_ = static_cast<struct sip_auth *>(mem_deref(auth_));
	wipe_secret(target_.password);
	target_ = {};
	realms_.clear();
	posted_ = {};
}

void RegisterCheck::response_h(int err, const struct sip_msg *msg, void *arg)
{
	static_cast<RegisterCheck *>(arg)->on_response(err, msg);
}

void RegisterCheck::deadline_h(void *arg)
{
	auto *self = static_cast<RegisterCheck *>(arg);
	self->finish(RegisterVerdict::Unknown, 0,
	             "no answer within " + std::to_string(self->deadline_ms_) + " ms");
}

void RegisterCheck::post_h(void *arg)
{
	auto *self = static_cast<RegisterCheck *>(arg);
	Done done = std::move(self->done_);
	self->done_ = nullptr;
	const RegisterCheckResult r = std::move(self->posted_);
	self->posted_ = {};
	if (done)
		done(r);
}

int RegisterCheck::auth_h(char **user, char **password, const char *realm, void *arg)
{
	(void)realm;
	auto *self = static_cast<RegisterCheck *>(arg);
	int err = str_dup(user, self->target_.user.c_str());
	if (!err)
		err = sip_dup_wiped(password, self->target_.password.c_str());
	return err;
}

} // namespace hotdesk
