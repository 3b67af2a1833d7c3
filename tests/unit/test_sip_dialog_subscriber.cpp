// SPDX-License-Identifier: BSD-3-Clause
// SipDialogSubscriber (agent/keys/sip_dialog_subscriber.h) against a notifier
// made of libre's own SIP stack on 127.0.0.1, on the real event loop: the
// digest challenge is answered with the watcher's credentials, NOTIFY bodies
// arrive, a refusal ends the subscription with its status, and unsubscribe
// sends SUBSCRIBE with Expires: 0.
#include <doctest/doctest.h>

#include "agent/keys/sip_dialog_subscriber.h"
#include "re_loop.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

const char *kBody = "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" "
                    "state=\"full\" entity=\"sip:102@127.0.0.1\"><dialog id=\"1\" "
                    "direction=\"recipient\"><state>early</state></dialog></dialog-info>";

// A presence server in miniature: challenges every first SUBSCRIBE, then
// refuses (refuse != 0) or accepts and NOTIFYs kBody.
struct Notifier {
	struct sip *sip = nullptr;
	struct sipevent_sock *sock = nullptr;
	struct sipnot *notp = nullptr;
	struct sip_lsnr *observer = nullptr;
	uint16_t refuse = 0;
	int subscribes = 0;
	std::vector<std::string> auth_users;
	std::vector<uint32_t> expires;
	uint16_t port = 0;

	Notifier()
	{
		struct sa laddr;
		sa_set_str(&laddr, "127.0.0.1", 0);
		REQUIRE(sip_alloc(&sip, nullptr, 8, 8, 8, "notifier", nullptr, nullptr) == 0);
		REQUIRE(sip_transp_add(sip, SIP_TRANSP_UDP, &laddr) == 0);
		// Sees every request first (new and in-dialog SUBSCRIBEs), handles none.
		REQUIRE(sip_listen(&observer, sip, true, observe, this) == 0);
		REQUIRE(sipevent_listen(&sock, sip, 8, 8, on_subscribe, this) == 0);
		struct sa bound;
		REQUIRE(sip_transp_laddr(sip, &bound, SIP_TRANSP_UDP, &laddr) == 0);
		port = sa_port(&bound);
	}
	~Notifier()
	{
		mem_deref(notp);
		sip_close(sip, true);
		mem_deref(sock);
		mem_deref(observer);
		mem_deref(sip);
	}
	std::string uri(const std::string &user) const
	{
		return "sip:" + user + "@127.0.0.1:" + std::to_string(port);
	}
	static bool observe(const struct sip_msg *msg, void *arg)
	{
		auto *n = static_cast<Notifier *>(arg);
		if (pl_strcmp(&msg->met, "SUBSCRIBE") == 0) {
			++n->subscribes;
			n->expires.push_back(pl_isset(&msg->expires) ? pl_u32(&msg->expires)
			                                             : 9999);
		}
		return false;
	}
	static bool on_subscribe(const struct sip_msg *msg, void *arg)
	{
		auto *n = static_cast<Notifier *>(arg);
		const struct sip_hdr *auth = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
		if (!auth) {
			(void)sip_replyf(n->sip, msg, 401, "Unauthorized",
			                 "WWW-Authenticate: Digest realm=\"test\", nonce=\"n1\"\r\n"
			                 "Content-Length: 0\r\n\r\n");
			return true;
		}
		const std::string a(auth->val.p, auth->val.l);
		const auto u = a.find("username=\"");
		n->auth_users.push_back(
		    u == std::string::npos ? "" : a.substr(u + 10, a.find('"', u + 10) - u - 10));
		if (n->refuse) {
			(void)sip_reply(n->sip, msg, n->refuse, "Refused");
			return true;
		}
		struct sipevent_event ev;
		const struct sip_hdr *eh = sip_msg_hdr(msg, SIP_HDR_EVENT);
		REQUIRE(eh);
		REQUIRE(sipevent_event_decode(&ev, &eh->val) == 0);
		REQUIRE(sipevent_accept(&n->notp, n->sock, msg, nullptr, &ev, 200, "OK", 1, 600,
		                        600, "notifier", "application/dialog-info+xml", nullptr,
		                        nullptr, false, nullptr, nullptr, nullptr) == 0);
		struct mbuf *mb = mbuf_alloc(512);
		mbuf_write_str(mb, kBody);
		mb->pos = 0;
		(void)sipevent_notify(n->notp, mb, SIPEVENT_ACTIVE, SIPEVENT_DEACTIVATED, 0);
		mem_deref(mb);
		return true;
	}
};

DialogWatch watch(const Notifier &n, const std::string &ext)
{
	return DialogWatch{n.uri(ext), n.uri("100"), "100", "pw-secret", 600};
}

} // namespace

TEST_CASE("sip dialog subscriber: digest, NOTIFY body, unsubscribe")
{
	Notifier n;
	auto stack = SipStack::open("127.0.0.1:" + std::to_string(n.port));
	REQUIRE(stack);
	auto sub = SipDialogSubscriber::open(**stack);
	REQUIRE(sub);
	CHECK((*sub)->local_address().rfind("127.0.0.1:", 0) == 0);
	std::vector<std::string> bodies;
	std::vector<bool> active;
	int closed = 0;
	(*sub)->set_handlers({[&](uint64_t, const std::string &b, bool a) {
		                      bodies.push_back(b);
		                      active.push_back(a);
	                      },
	                      [&](uint64_t, const DialogWatchEnd &) { ++closed; }});
	auto id = (*sub)->subscribe(watch(n, "102"));
	REQUIRE(id);
	CHECK((*sub)->count() == 1);
	REQUIRE(test::run_until([&] { return !bodies.empty(); }));
	CHECK(bodies[0] == kBody);
	CHECK(active[0]);
	REQUIRE(n.auth_users.size() == 1);
	CHECK(n.auth_users[0] == "100");
	CHECK(n.expires[0] == 600);
	(*sub)->unsubscribe(*id);
	CHECK((*sub)->count() == 0);
	REQUIRE(test::run_until([&] { return !n.expires.empty() && n.expires.back() == 0; }));
	CHECK(closed == 0); // no handler after unsubscribe
}

TEST_CASE("sip dialog subscriber: a separate authentication user answers the digest")
{
	Notifier n;
	auto stack = SipStack::open("127.0.0.1:" + std::to_string(n.port));
	REQUIRE(stack);
	auto sub = SipDialogSubscriber::open(**stack);
	REQUIRE(sub);
	int notifies = 0;
	(*sub)->set_handlers({[&](uint64_t, const std::string &, bool) { ++notifies; },
	                      [](uint64_t, const DialogWatchEnd &) {}});
	DialogWatch w = watch(n, "102");
	w.auth_user = "a8Xk2pQ"; // 3CX's authentication ID of extension 100
	auto id = (*sub)->subscribe(w);
	REQUIRE(id);
	REQUIRE(test::run_until([&] { return notifies > 0; }));
	REQUIRE(n.auth_users.size() == 1);
	CHECK(n.auth_users[0] == "a8Xk2pQ");
	(*sub)->unsubscribe(*id);
}

TEST_CASE("sip dialog subscriber: a refusal ends the subscription with its status")
{
	for (uint16_t code : {403, 404, 489}) {
		CAPTURE(code);
		Notifier n;
		n.refuse = code;
		auto stack = SipStack::open("127.0.0.1:" + std::to_string(n.port));
		REQUIRE(stack);
		auto sub = SipDialogSubscriber::open(**stack);
		REQUIRE(sub);
		std::vector<DialogWatchEnd> ends;
		(*sub)->set_handlers(
		    {nullptr, [&](uint64_t, const DialogWatchEnd &e) { ends.push_back(e); }});
		REQUIRE((*sub)->subscribe(watch(n, "200")));
		REQUIRE(test::run_until([&] { return !ends.empty(); }));
		CHECK(ends[0].scode == code);
		CHECK_FALSE(ends[0].by_notify);
		test::run_for(50); // the closed subscription is freed from a timer
		CHECK((*sub)->count() == 0);
		CHECK(n.subscribes == 2); // challenged once, then refused; no retry by libre
	}
}

TEST_CASE("sip dialog subscriber: refreshed before it expires")
{
	Notifier n;
	auto stack = SipStack::open("127.0.0.1:" + std::to_string(n.port));
	REQUIRE(stack);
	auto sub = SipDialogSubscriber::open(**stack);
	REQUIRE(sub);
	int notifies = 0;
	(*sub)->set_handlers({[&](uint64_t, const std::string &, bool) { ++notifies; }, nullptr});
	DialogWatch w = watch(n, "102");
	w.expires_s = 1; // the notifier grants it (Min-Expires 1)
	REQUIRE((*sub)->subscribe(w));
	// challenged, accepted, then the refresh at 90 % of the second
	REQUIRE(test::run_until([&] { return n.subscribes >= 3; }, 2500));
	CHECK(n.expires.back() == 1);
	CHECK(notifies >= 1);
	CHECK((*sub)->count() == 1);
}
