// SPDX-License-Identifier: BSD-3-Clause
// One policy for what a registrar's answer to REGISTER means for the phone:
// the words on the display and in the log, and what happens next, for who
// holds the account (the pool, a committed person, a login in flight).
//
// Input: the `param` of baresip 1.0.0's REGISTER_OK / REGISTER_FAIL events
// (src/reg.c): "<code> <reason phrase>" for a SIP answer ("423 Interval Too
// Brief", "503 Service Unavailable"), or strerror text when no SIP answer
// came ("Connection timed out"). Measured on baresip 1.0.0 + libre 1.1.0
// (docs/reliability.md): baresip reports no header of the answer, so
// Min-Expires and Retry-After are not visible here; libre itself retries a
// 423 that carries Min-Expires with that interval (the event is then the
// REGISTER_OK), and answers a refused password with up to 16 REGISTERs
// (libre's loop detection stops at 16 equal answers) before REGISTER_FAIL.
//
// The decision is a declared table (registration_policy.cpp), first match
// wins; unit-tested row by row (tests/unit/test_registration_policy.cpp).
#pragma once

#include <string>

namespace hotdesk
{

enum class RegisterAnswer {
	Registered,       // 2xx
	AuthRefused,      // 401, 407: the credentials were refused
	Forbidden,        // 403: this account may not register here
	IntervalTooBrief, // 423 (with Min-Expires libre retried already)
	Unavailable,      // 5xx: the registrar cannot serve now (500, 503, 504)
	OtherRefusal,     // any other final answer (404, 480, 488, 6xx, ...)
	NoAnswer,         // no SIP answer: timeout, transport or DNS error,
	                  // or none within hotdeskd's own deadline
};

// Who the account that got the answer belongs to.
enum class RegisterHolder {
	Pool,    // the phone's own identity: emergency calls go out on it
	Person,  // a committed person (logged in)
	Joining, // the new account of a login, roam or logout swap in flight
};

enum class RegisterAction {
	Nothing,    // registered: service up
	KeepTrying, // not registered; the account stays (libre retries with its
	            // backoff, 30-60 s doubling to 30 min); No service, in words
	DropPerson, // a definite refusal of a person's credentials: the phone goes
	            // back to the pool (its account out of baresip, no more
	            // REGISTERs), the PBX is told, the person is told why
	RollBack,   // the swap in flight rolls back (BaresipAccounts)
};

const char *register_answer_name(RegisterAnswer a);
const char *register_action_name(RegisterAction a);

struct RegisterStatus {
	RegisterAnswer answer = RegisterAnswer::NoAnswer;
	unsigned code = 0;  // the SIP status code; 0 when no SIP answer came
	std::string reason; // the reason phrase or error text, as baresip gave it
};

// `ok`: the event was REGISTER_OK. Never fails: text that is not a status
// line is a NoAnswer with that text as the reason.
RegisterStatus parse_register_param(bool ok, const std::string &param);

// What to do about `answer` for `holder` (the declared table).
RegisterAction register_action(RegisterAnswer answer, RegisterHolder holder);

// A refusal that retrying with the same credentials cannot cure.
bool register_definite(RegisterAnswer answer);

// The display's words, with the code (at most 26 characters):
// "Password refused (401)", "Registration refused (403)", "Registrar busy (503)",
// "Registrar not answering"; "" for Registered.
std::string register_display_text(const RegisterStatus &s);

// One line for the log and the status API's last_error, never a secret:
// "401 Unauthorized" or "no answer (Connection timed out)".
std::string register_log_text(const RegisterStatus &s);

struct RegisterPolicyRow {
	RegisterAnswer answer;
	RegisterHolder holder;
	RegisterAction action;
};
const RegisterPolicyRow *register_policy_begin();
const RegisterPolicyRow *register_policy_end();

} // namespace hotdesk
