// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: the calls state machine under any order of baresip events,
// keys, softkey actions and timers (each input byte picks the next one).
// Checks: nothing crashes; a new incoming call never rings when max_calls
// calls are up (outgoing ones are the person's, an emergency call among
// them, and a call found up after a reconnect is up); commands
// only for calls baresip told us of; last_call_ended() only when no call
// is up, and once per busy period.
#include "agent/core/calls.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace
{

using namespace hotdesk;

struct Ports : CallPorts {
	Calls *calls = nullptr;
	uint64_t clock = 0;
	int ended = 0;
	void check(const std::string &id)
	{
		if (id.size() != 2 || id[0] != 'c')
			std::abort();
	}
	void accept(const std::string &id) override { check(id); }
	void hangup(const std::string &id) override { check(id); }
	void hold(const std::string &id) override { check(id); }
	void resume(const std::string &id) override { check(id); }
	void send_dtmf(const std::string &id, char) override { check(id); }
	void transfer(const std::string &id, const std::string &) override { check(id); }
	void mute(const std::string &id, bool) override { check(id); }
	bool transfer_allowed(const std::string &n) override { return n.find('*') == n.npos; }
	void start_timer(CallTimer, unsigned) override {}
	void stop_timer(CallTimer) override {}
	uint64_t now_ms() override { return clock; }
	void show(const CallScreen &) override {}
	void log_info(const std::string &) override {}
	void log_bug(const std::string &) override {}
	void last_call_ended() override
	{
		++ended;
		if (calls->active())
			std::abort();
	}
};

const char *const kTypes[] = {
    "CALL_INCOMING", "CALL_LOCAL_SDP", "CALL_RINGING",    "CALL_PROGRESS",   "CALL_ESTABLISHED",
    "CALL_CLOSED",   "TRANSFER",       "TRANSFER_FAILED", "CALL_DTMF_START", "CALL_RTPESTAB"};
const char *const kReasons[] = {
    "486 Busy Here",          "Connection reset by peer", "Call transfered", "Local timeout", "",
    "503 Service Unavailable"};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ports p;
	Calls calls(p, {"112"});
	p.calls = &calls;
	bool was_active = false;
	int busy_periods = 0;
	for (size_t i = 0; i + 1 < size; i += 2) {
		const uint8_t op = data[i], arg = data[i + 1];
		switch (op % 8) {
		case 0:
		case 1:
		case 2: {
			BaresipEvent e;
			e.type = kTypes[arg % 10];
			e.id = std::string("c") + static_cast<char>('0' + (arg >> 4) % 5);
			e.direction = (op & 0x10) ? "outgoing" : "incoming";
			e.peeruri = (op & 0x20) ? "sip:112@h" : "sip:200@h";
			e.param = kReasons[(op >> 5) % 6];
			size_t live = 0;
			bool known = false;
			for (const auto &c : calls.calls()) {
				live += c.state != CallState::Closed;
				known = known || c.id == e.id;
			}
			calls.on_event(e);
			if (e.type == std::string("CALL_INCOMING") && !known &&
			    live >= CallTimings{}.max_calls)
				for (const auto &c : calls.calls())
					if (c.id == e.id && c.state != CallState::Closed)
						std::abort();
			break;
		}
		case 3:
		case 4: {
			Key k = Key::of(static_cast<KeyKind>(arg % 16), 1 + (arg >> 4) % 5);
			if (k.kind == KeyKind::Digit)
				k.digit = static_cast<char>('0' + arg % 10);
			calls.on_key(k);
			break;
		}
		case 5:
			calls.act(static_cast<CallAction>(arg % 10));
			break;
		case 6:
			if (arg & 1)
				calls.on_timer(static_cast<CallTimer>((arg >> 1) % 3));
			else
				p.clock += arg * 100u;
			break;
		case 7:
			if (arg & 1)
				calls.on_service_lost();
			else
				calls.transfer(arg & 2 ? "201" : "*77*5*");
			break;
		}
		if (calls.active() && !was_active)
			++busy_periods;
		was_active = calls.active();
		if (p.ended > busy_periods)
			std::abort();
	}
	return 0;
}
