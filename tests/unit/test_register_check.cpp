// SPDX-License-Identifier: BSD-3-Clause
// RegisterCheck (agent/accounts/register_check.h) against a registrar made
// of libre's own SIP stack on 127.0.0.1, on the real event loop: every
// answer of the decision table over real sockets, the digest computed from
// the password (a wrong one is refused), no Contact on the wire, the
// deadline, the outbound proxy as Route, and `done` never from inside
// check().
#include <doctest/doctest.h>

#include "agent/accounts/register_check.h"
#include "re_loop.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

const char *kPassword = "pw-Right-1";

// A registrar in miniature: answers a REGISTER without credentials with
// `first` (a challenge for 401/407), one with credentials with `second`
// (0: checks the digest against kPassword, 200 or 401 again).
struct FakeRegistrar {
	struct sip *sip = nullptr;
	struct sip_lsnr *lsnr = nullptr;
	uint16_t port = 0;
	uint16_t first = 401;
	uint16_t second = 0;
	std::string realm2 = "hotdesk"; // the realm of a challenge to the answered request
	std::string extra;              // appended to every challenge (", stale=true")
	bool silent = false;
	int requests = 0;
	bool contact_seen = false;
	std::vector<std::string> ruris, users, routes;

	FakeRegistrar()
	{
		struct sa laddr;
		sa_set_str(&laddr, "127.0.0.1", 0);
		REQUIRE(sip_alloc(&sip, nullptr, 8, 8, 8, "registrar", nullptr, nullptr) == 0);
		REQUIRE(sip_transp_add(sip, SIP_TRANSP_UDP, &laddr) == 0);
		REQUIRE(sip_listen(&lsnr, sip, true, on_request, this) == 0);
		struct sa bound;
		REQUIRE(sip_transp_laddr(sip, &bound, SIP_TRANSP_UDP, &laddr) == 0);
		port = sa_port(&bound);
	}
	~FakeRegistrar()
	{
		sip_close(sip, true);
		mem_deref(lsnr);
		mem_deref(sip);
	}
	std::string hostport() const { return "127.0.0.1:" + std::to_string(port); }

	void challenge(const struct sip_msg *msg, uint16_t code, const std::string &realm)
	{
		const char *hdr = code == 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
		const char *reason = code == 407 ? "Proxy Authentication Required" : "Unauthorized";
		(void)sip_replyf(sip, msg, code, reason,
		                 "%s: Digest realm=\"%s\", nonce=\"n%d\"%s\r\n"
		                 "Content-Length: 0\r\n\r\n",
		                 hdr, realm.c_str(), requests, extra.c_str());
	}
	bool digest_ok(const struct sip_hdr *auth, const struct sip_msg *msg)
	{
		struct httpauth_digest_resp resp;
		if (httpauth_digest_response_decode(&resp, &auth->val))
			return false;
		uint8_t ha1[MD5_SIZE];
		if (md5_printf(ha1, "%r:%r:%s", &resp.username, &resp.realm, kPassword))
			return false;
		return httpauth_digest_response_auth(&resp, &msg->met, ha1) == 0;
	}
	void answer(const struct sip_msg *msg, uint16_t code, const std::string &realm)
	{
		if (code == 401 || code == 407)
			challenge(msg, code, realm);
		else
			(void)sip_reply(sip, msg, code, code < 300 ? "OK" : "Refused");
	}
	static bool on_request(const struct sip_msg *msg, void *arg)
	{
		auto *r = static_cast<FakeRegistrar *>(arg);
		if (pl_strcmp(&msg->met, "REGISTER"))
			return false;
		++r->requests;
		r->ruris.emplace_back(msg->ruri.p, msg->ruri.l);
		if (sip_msg_hdr(msg, SIP_HDR_CONTACT))
			r->contact_seen = true;
		if (const struct sip_hdr *route = sip_msg_hdr(msg, SIP_HDR_ROUTE))
			r->routes.emplace_back(route->val.p, route->val.l);
		if (r->silent)
			return true;
		const struct sip_hdr *auth = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
		if (!auth)
			auth = sip_msg_hdr(msg, SIP_HDR_PROXY_AUTHORIZATION);
		if (!auth) {
			r->answer(msg, r->first, "hotdesk");
			return true;
		}
		struct httpauth_digest_resp resp;
		if (httpauth_digest_response_decode(&resp, &auth->val) == 0)
			r->users.emplace_back(resp.username.p, resp.username.l);
		if (r->second)
			r->answer(msg, r->second, r->realm2);
		else
			r->answer(msg, r->digest_ok(auth, msg) ? 200 : r->first, r->realm2);
		return true;
	}
};

RegisterTarget target(const FakeRegistrar &r, const std::string &password = kPassword)
{
	return RegisterTarget{"sip:100@" + r.hostport(), r.hostport(), "", "100", password};
}

struct Outcome {
	bool called = false;
	RegisterCheckResult r;
};

Outcome run_check(RegisterCheck &c, RegisterTarget t)
{
	Outcome o;
	c.check(std::move(t), [&o](const RegisterCheckResult &r) {
		CHECK_FALSE(o.called); // exactly once
		o.called = true;
		o.r = r;
	});
	CHECK_FALSE(o.called); // never from inside check()
	REQUIRE(test::run_until([&] { return o.called; }));
	return o;
}

} // namespace

TEST_CASE("register check: decision table")
{
	using N = RegisterNext;
	using S = RegisterStep;
	struct Case {
		S step;
		uint16_t scode;
		bool known, stale;
		N next;
	};
	const Case cases[] = {
	    {S::Query, 200, false, false, N::Accept},
	    {S::Query, 401, false, false, N::Authenticate},
	    {S::Query, 407, false, false, N::Authenticate},
	    {S::Query, 403, false, false, N::Skip},
	    {S::Query, 423, false, false, N::Skip},
	    {S::Query, 503, false, false, N::Skip},
	    {S::Query, 302, false, false, N::Skip},
	    {S::Answered, 200, false, false, N::Accept},
	    {S::Answered, 401, true, false, N::Refuse},
	    {S::Answered, 407, true, false, N::Refuse},
	    {S::Answered, 403, false, false, N::Refuse},
	    {S::Answered, 401, true, true, N::Skip},   // stale nonce: the password was right
	    {S::Answered, 401, false, false, N::Skip}, // another realm (a second hop)
	    {S::Answered, 404, false, false, N::Skip},
	    {S::Answered, 423, false, false, N::Skip},
	    {S::Answered, 500, false, false, N::Skip},
	};
	for (const auto &c : cases) {
		CAPTURE(static_cast<int>(c.step));
		CAPTURE(c.scode);
		CAPTURE(c.known);
		CAPTURE(c.stale);
		CHECK(register_check_next(c.step, c.scode, c.known, c.stale) == c.next);
	}
}

TEST_CASE("register check: answers over real sockets")
{
	using V = RegisterVerdict;
	struct Case {
		const char *name;
		uint16_t first, second;
		std::string realm2, extra, password;
		V verdict;
		uint16_t scode;
		int requests;
	};
	const Case cases[] = {
	    {"right password", 401, 0, "hotdesk", "", kPassword, V::Accepted, 200, 2},
	    {"wrong password", 401, 0, "hotdesk", "", "pw-Wrong-2", V::Refused, 401, 2},
	    {"proxy challenge, wrong password", 407, 0, "hotdesk", "", "pw-Wrong-2", V::Refused,
	     407, 2},
	    {"403 to the answered request", 401, 403, "hotdesk", "", kPassword, V::Refused, 403, 2},
	    {"no challenge at all", 200, 0, "hotdesk", "", kPassword, V::Accepted, 200, 1},
	    {"403 without credentials", 403, 0, "hotdesk", "", kPassword, V::Unknown, 403, 1},
	    {"423 without credentials", 423, 0, "hotdesk", "", kPassword, V::Unknown, 423, 1},
	    {"503 without credentials", 503, 0, "hotdesk", "", kPassword, V::Unknown, 503, 1},
	    {"503 with credentials", 401, 503, "hotdesk", "", kPassword, V::Unknown, 503, 2},
	    {"stale nonce", 401, 401, "hotdesk", ", stale=true", kPassword, V::Unknown, 401, 2},
	    {"another realm", 401, 401, "second-hop", "", kPassword, V::Unknown, 401, 2},
	    {"not MD5", 401, 0, "hotdesk", ", algorithm=SHA-256", kPassword, V::Unknown, 401, 1},
	};
	for (const auto &c : cases) {
		CAPTURE(c.name);
		FakeRegistrar reg;
		reg.first = c.first;
		reg.second = c.second;
		reg.realm2 = c.realm2;
		reg.extra = c.extra;
		auto stack = SipStack::open(reg.hostport());
		REQUIRE(stack);
		RegisterCheck check((*stack)->sip(), 1000);
		const Outcome o = run_check(check, target(reg, c.password));
		CHECK(o.r.verdict == c.verdict);
		CHECK(o.r.scode == c.scode);
		CHECK(o.r.reason.find(std::to_string(c.scode)) == 0);
		CHECK(o.r.reason.find(c.password) == std::string::npos);
		test::run_for(20); // nothing else comes
		CHECK(reg.requests == c.requests);
		CHECK_FALSE(reg.contact_seen); // a query: no binding changes
		CHECK(reg.ruris.front() == "sip:" + reg.hostport());
		for (const auto &u : reg.users)
			CHECK(u == "100");
		CHECK_FALSE(check.running());
	}
}

TEST_CASE("register check: no answer by the deadline is not a refusal")
{
	FakeRegistrar reg;
	reg.silent = true;
	auto stack = SipStack::open(reg.hostport());
	REQUIRE(stack);
	RegisterCheck check((*stack)->sip(), 200);
	const Outcome o = run_check(check, target(reg));
	CHECK(o.r.verdict == RegisterVerdict::Unknown);
	CHECK(o.r.reason == "no answer within 200 ms");
	CHECK(reg.requests == 1);
}

TEST_CASE("register check: the outbound proxy is the Route; TCP is not checked")
{
	FakeRegistrar proxy;
	auto stack = SipStack::open(proxy.hostport());
	REQUIRE(stack);
	RegisterCheck check((*stack)->sip(), 1000);
	// The registrar's name is never looked up: the request goes to the proxy.
	RegisterTarget t{"sip:100@pbx.invalid", "pbx.invalid", "sip:" + proxy.hostport(), "100",
	                 kPassword};
	Outcome o = run_check(check, t);
	CHECK(o.r.verdict == RegisterVerdict::Accepted);
	REQUIRE(proxy.ruris.size() == 2);
	CHECK(proxy.ruris[0] == "sip:pbx.invalid");
	REQUIRE(!proxy.routes.empty());
	CHECK(proxy.routes[0] == "<sip:" + proxy.hostport() + ";lr>");

	t.outbound = "sip:" + proxy.hostport() + ";transport=tcp";
	o = run_check(check, t);
	CHECK(o.r.verdict == RegisterVerdict::Unknown);
	CHECK(o.r.reason == "transport tcp is not checked");
	CHECK(proxy.ruris.size() == 2); // nothing sent
}

TEST_CASE("register check: a new check drops the one running; so does the destructor")
{
	FakeRegistrar reg;
	reg.silent = true;
	auto stack = SipStack::open(reg.hostport());
	REQUIRE(stack);
	int first_done = 0;
	{
		RegisterCheck check((*stack)->sip(), 100);
		check.check(target(reg), [&](const RegisterCheckResult &) { ++first_done; });
		CHECK(check.running());
		reg.silent = false;
		reg.first = 200;
		const Outcome o = run_check(check, target(reg));
		CHECK(o.r.verdict == RegisterVerdict::Accepted);
		check.check(target(reg), [&](const RegisterCheckResult &) { ++first_done; });
	}
	test::run_for(300);
	CHECK(first_done == 0);
}
