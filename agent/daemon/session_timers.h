// SPDX-License-Identifier: BSD-3-Clause
// The session's timers on libre's event loop: one tmr per Timer, each
// firing into a handler (the composition root feeds Session::on_timer).
#pragma once

#include "../../platform/re/re_cxx.h"
#include "../core/session.h"

#include <functional>

namespace hotdesk
{

class SessionTimers
{
public:
	using Fired = std::function<void(Timer)>;
	explicit SessionTimers(Fired fired) : fired_(std::move(fired))
	{
		for (int i = 0; i < kTimerCount; ++i) {
			slots_[i].self = this;
			slots_[i].which = static_cast<Timer>(i);
			tmr_init(&slots_[i].tmr);
		}
	}
	~SessionTimers()
	{
		for (auto &s : slots_)
			tmr_cancel(&s.tmr);
	}
	SessionTimers(const SessionTimers &) = delete;
	SessionTimers &operator=(const SessionTimers &) = delete;

	void start(Timer t, unsigned ms)
	{
		auto &slot = slots_[static_cast<int>(t)];
		tmr_start(&slot.tmr, ms, fire_h, &slot);
	}
	void stop(Timer t) { tmr_cancel(&slots_[static_cast<int>(t)].tmr); }

private:
	struct Slot {
		SessionTimers *self;
		Timer which;
		struct tmr tmr;
	};
	static void fire_h(void *arg)
	{
		auto *slot = static_cast<Slot *>(arg);
		slot->self->fired_(slot->which);
	}
	Fired fired_;
	Slot slots_[kTimerCount];
};

} // namespace hotdesk
