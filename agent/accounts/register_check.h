// SPDX-License-Identifier: BSD-3-Clause
// The credentials check before a person's account goes into baresip (login,
// roam, resume; issue 14, kind 5): hotdeskd asks the registrar itself, on
// its own SIP stack (agent/sip/sip_stack.h), whether it accepts the person's
// SIP password, so that a refused password costs at most 2 REGISTERs instead
// of baresip's 16 (libre 1.1.0's sipreg answers every 401 with fresh
// credentials until sip_request_loops stops it at 16 equal answers).
//
// On the wire (UDP only):
//   REGISTER sip:<registrar> SIP/2.0          (Request-URI: the AOR's host[:port])
//   Route: <outbound;lr>                      (only with an outbound proxy)
//   From: <AOR>;tag=..   To: <AOR>   Call-ID, CSeq, Max-Forwards
//   (no Contact: a query that adds, changes and removes no binding;
//    RFC 3261 section 10.2.3, "Queries")
// A 401/407 challenge (RFC 3261 22.2/22.3; digest RFC 2617 / RFC 7616 with
// MD5, which is all libre 1.1.0 answers: SHA-256 is Unknown below) is
// answered once with the person's credentials.
//
// The answer decides (register_check_next(), the table in the .cpp):
//   2xx (with or without credentials)                 -> Accepted
//   401/407 to the first request                      -> answer it once
//   401/407 to the answered request, for a realm
//     already answered, not stale=true (RFC 2617 3.2.1) -> Refused
//   403 to the answered request                       -> Refused
//   anything else: no answer by the deadline, a 401 for another realm or
//   with stale=true, 403/423/5xx to the first request, 3xx, a DNS failure,
//   a transport other than UDP, a challenge libre cannot answer (not MD5)
//                                                     -> Unknown
// Unknown means "not checked": the caller goes on as without the check. The
// check must never make a login fail that works without it, so only a
// refusal of the credentials themselves counts.
//
// A query abandoned at its deadline is dropped by hotdeskd; libre keeps
// retransmitting it (RFC 3261 timer E) until its transaction ends and
// ignores the answer.
#pragma once

#include "../core/text.h"
#include "../sip/sip_stack.h"

#include <cstdint>
#include <functional>
#include <string>

namespace hotdesk
{

enum class RegisterVerdict {
	Accepted, // the registrar accepts the credentials
	Refused,  // the registrar refuses them (401/407/403 to the answered request)
	Unknown,  // not checked: go on as without the check
};
const char *register_verdict_name(RegisterVerdict v);

struct RegisterCheckResult {
	RegisterVerdict verdict = RegisterVerdict::Unknown;
	uint16_t scode = 0; // the last status code (0: none)
	// The status line ("401 Unauthorized") or why nothing was checked
	// ("no answer within 2000 ms", "transport tcp is not checked"). Never a secret.
	std::string reason;
};

// What to check: the account as baresip would register it.
struct RegisterTarget {
	std::string aor;       // "sip:100@pbx.example.com:5060" (From and To)
	std::string registrar; // host[:port] (the Request-URI's host)
	std::string outbound;  // "" or "sip:sbc:5060[;transport=udp]" (check_outbound's form)
	std::string user;      // digest username
	std::string password;  // secret: wiped when the check ends
	// Every copy wipes its password (a short one lives in the string object
	// itself, on the caller's stack); with this destructor the type is
	// copied, never moved (a moved-from short string keeps its bytes).
	~RegisterTarget() { wipe_secret(password); }
};

// One step of the decision table (pure; the unit tests read it too).
enum class RegisterStep { Query, Answered };
enum class RegisterNext { Accept, Refuse, Authenticate, Skip };
// `known_realm`: every challenge in the answer names a realm answered
// before; `stale`: one of them says stale=true.
RegisterNext register_check_next(RegisterStep step, uint16_t scode, bool known_realm, bool stale);

class RegisterCheck
{
public:
	using Done = std::function<void(const RegisterCheckResult &)>;

	// `sip` must outlive this object; `deadline_ms`: how long one check may
	// take before it counts as Unknown.
	RegisterCheck(struct sip *sip, unsigned deadline_ms);
	// Drops a check in progress (its `done` is not called).
	~RegisterCheck();
	RegisterCheck(const RegisterCheck &) = delete;
	RegisterCheck &operator=(const RegisterCheck &) = delete;

	// Starts a check; `done` is called exactly once, never from inside this
	// call. A check asked for while another runs drops the other (its `done`
	// is not called).
	void check(const RegisterTarget &target, Done done);
	bool running() const { return static_cast<bool>(done_); }

private:
	void start();
	int send();
	void on_response(int err, const struct sip_msg *msg);
	void finish(RegisterVerdict v, uint16_t scode, const std::string &reason);
	void drop();
	static void response_h(int err, const struct sip_msg *msg, void *arg);
	static void deadline_h(void *arg);
	static void post_h(void *arg);
	static int auth_h(char **user, char **password, const char *realm, void *arg);

	struct sip *sip_;
	unsigned deadline_ms_;
	RegisterTarget target_;
	Done done_;
	RegisterStep step_ = RegisterStep::Query;
	std::string realms_; // the realms answered, "\n"-separated
	bool in_check_ = false;
	RegisterCheckResult posted_; // finished inside check(): reported from a timer
	struct sip_dialog *dlg_ = nullptr;
	struct sip_auth *auth_ = nullptr;
	struct sip_request *req_ = nullptr;
	struct tmr deadline_tmr_;
	struct tmr post_tmr_;
};

} // namespace hotdesk
