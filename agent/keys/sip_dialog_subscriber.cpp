// SPDX-License-Identifier: BSD-3-Clause
#include "sip_dialog_subscriber.h"

#include <cstring>

namespace hotdesk
{

namespace
{

// The watcher's credentials in libre's memory, referenced by the
// subscription's digest state (an un-SUBSCRIBE may still be challenged after
// we let go): wiped when libre lets go of it.
struct Creds {
	char *user;
	char *password;
};

void creds_destructor(void *arg)
{
	auto *c = static_cast<Creds *>(arg);
	if (c->password)
		std::memset(c->password, 0, std::strlen(c->password));
	mem_deref(c->user);
	mem_deref(c->password);
}

int auth_handler(char **user, char **password, const char *realm, void *arg)
{
	(void)realm;
	auto *c = static_cast<Creds *>(arg);
	int err = str_dup(user, c->user);
	if (!err)
		err = sip_dup_wiped(password, c->password);
	return err;
}

std::string pl_string(const struct pl &p)
{
	return p.p ? std::string(p.p, p.l) : std::string();
}

} // namespace

struct SipDialogSubscriber::Sub {
	SipDialogSubscriber *owner = nullptr;
	uint64_t id = 0;
	std::string target;
	struct sipsub *sub = nullptr;
};

struct SubHandlers {
	static void notify(struct sip *sip, const struct sip_msg *msg, void *arg)
	{
		(void)sip_treply(nullptr, sip, msg, 200, "OK");
		auto *s = static_cast<SipDialogSubscriber::Sub *>(arg);
		s->owner->on_notify(*s, msg);
	}
	static void close(int err, const struct sip_msg *msg, const struct sipevent_substate *st,
	                  void *arg)
	{
		auto *s = static_cast<SipDialogSubscriber::Sub *>(arg);
		s->owner->on_close(*s, err, msg, st);
	}
};

Expected<std::unique_ptr<SipDialogSubscriber>> SipDialogSubscriber::open(SipStack &stack)
{
	std::unique_ptr<SipDialogSubscriber> me(new SipDialogSubscriber());
	tmr_init(&me->reap_tmr_);
	me->sip_ = stack.sip();
	me->laddr_ = stack.local_address();
	const int err = sipevent_listen(&me->sock_, me->sip_, 16, 16, nullptr, nullptr);
	if (err)
		return make_error("blf", std::string("cannot listen for NOTIFYs on ") + me->laddr_ +
		                             ": " + std::strerror(err));
	return me;
}

SipDialogSubscriber::~SipDialogSubscriber()
{
	tmr_cancel(&reap_tmr_);
	for (auto &[id, s] : subs_)
		mem_deref(s->sub);
	subs_.clear();
	closed_.clear();
	mem_deref(sock_); // the stack closes what is still in flight
}

Expected<uint64_t> SipDialogSubscriber::subscribe(const DialogWatch &w)
{
	auto *creds = static_cast<Creds *>(mem_zalloc(sizeof(Creds), creds_destructor));
	if (!creds)
		return make_error("blf", "out of memory");
	const std::string &digest_user = w.auth_user.empty() ? w.user : w.auth_user;
	if (str_dup(&creds->user, digest_user.c_str()) ||
	    str_dup(&creds->password, w.password.c_str())) {
		mem_deref(creds);
		return make_error("blf", "out of memory");
	}
	auto s = std::make_unique<Sub>();
	s->owner = this;
	s->id = next_id_++;
	s->target = w.target;
	// aref: libre holds the credentials as long as its digest state does.
	const int err =
	    sipevent_subscribe(&s->sub, sock_, w.target.c_str(), nullptr, w.from.c_str(), "dialog",
	                       nullptr, w.expires_s, w.user.c_str(), nullptr, 0, auth_handler,
	                       creds, true, nullptr, SubHandlers::notify, SubHandlers::close,
	                       s.get(), "Accept: application/dialog-info+xml\r\n");
	mem_deref(creds); // libre has its own reference (or none after a failure)
	if (err)
		return make_error("blf", "SUBSCRIBE to " + w.target + ": " + std::strerror(err));
	const uint64_t id = s->id;
	subs_.emplace(id, std::move(s));
	return id;
}

void SipDialogSubscriber::unsubscribe(uint64_t id)
{
	auto it = subs_.find(id);
	if (it == subs_.end())
		return;
	// libre sends SUBSCRIBE Expires: 0 on its own and calls none of our
	// handlers afterwards.
	mem_deref(it->second->sub);
	subs_.erase(it);
}

void SipDialogSubscriber::on_notify(Sub &s, const struct sip_msg *msg)
{
	if (!h_.notify)
		return;
	const std::string body(reinterpret_cast<const char *>(mbuf_buf(msg->mb)),
	                       mbuf_get_left(msg->mb));
	bool active = false;
	struct sipevent_substate st;
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_SUBSCRIPTION_STATE);
	if (hdr && sipevent_substate_decode(&st, &hdr->val) == 0)
		active = st.state == SIPEVENT_ACTIVE;
	h_.notify(s.id, body, active);
}

// Inside libre's handler: the subscription is freed from a timer, after it.
void SipDialogSubscriber::on_close(Sub &s, int err, const struct sip_msg *msg,
                                   const struct sipevent_substate *st)
{
	DialogWatchEnd end;
	if (st) {
		end.by_notify = true;
		end.why = std::string("terminated by the server (") +
		          sipevent_reason_name(st->reason) + ")";
	} else if (msg && msg->scode >= 300) {
		end.scode = msg->scode;
		end.why = std::to_string(msg->scode) + " " + pl_string(msg->reason);
	} else {
		end.why = std::string("no answer (") + std::strerror(err ? err : ETIMEDOUT) + ")";
	}
	const uint64_t id = s.id;
	auto it = subs_.find(id);
	if (it != subs_.end()) {
		closed_.push_back(std::move(it->second));
		subs_.erase(it);
		tmr_start(&reap_tmr_, 0, reap, this);
	}
	if (h_.closed)
		h_.closed(id, end);
}

void SipDialogSubscriber::reap(void *arg)
{
	auto *me = static_cast<SipDialogSubscriber *>(arg);
	for (auto &s : me->closed_)
		mem_deref(s->sub);
	me->closed_.clear();
}

// ---- timers ----

ReWatchTimers::~ReWatchTimers()
{
	for (auto &[_, t] : timers_)
		tmr_cancel(&t->tmr);
}

void ReWatchTimers::start(const std::string &ext, uint64_t ms)
{
	auto &t = timers_[ext];
	if (!t) {
		t = std::make_unique<Timer>();
		t->owner = this;
		t->ext = ext;
		tmr_init(&t->tmr);
	}
	tmr_start(&t->tmr, ms, fire, t.get());
}

void ReWatchTimers::stop(const std::string &ext)
{
	auto it = timers_.find(ext);
	if (it == timers_.end())
		return;
	tmr_cancel(&it->second->tmr);
	timers_.erase(it);
}

void ReWatchTimers::fire(void *arg)
{
	auto *t = static_cast<Timer *>(arg);
	ReWatchTimers *owner = t->owner;
	const std::string ext = t->ext;
	if (owner->h_)
		owner->h_(ext);
}

} // namespace hotdesk
