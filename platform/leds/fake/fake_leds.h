// SPDX-License-Identifier: BSD-3-Clause
#pragma once

#include "../led_sink.h"

#include <map>
#include <utility>
#include <vector>

namespace hotdesk::platform
{

// Remembers every lamp change, for unit tests.
class FakeLeds : public LedSink
{
public:
	void set(const std::string &lamp, Lamp state) override
	{
		if (state_.count(lamp) && state_[lamp] == state)
			return;
		state_[lamp] = state;
		changes.emplace_back(lamp, state);
	}
	bool has(const std::string &) const override { return true; }
	Lamp state(const std::string &lamp) const
	{
		auto it = state_.find(lamp);
		return it == state_.end() ? Lamp::Off : it->second;
	}
	std::vector<std::pair<std::string, Lamp>> changes;

private:
	std::map<std::string, Lamp> state_;
};

} // namespace hotdesk::platform
