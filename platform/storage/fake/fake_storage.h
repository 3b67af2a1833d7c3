// SPDX-License-Identifier: BSD-3-Clause
#pragma once

#include "../storage.h"

#include <map>

namespace hotdesk::platform
{

// In-memory storage for unit tests.
class FakeStorage : public Storage
{
public:
	Expected<std::optional<std::string>> read(const std::string &name) override
	{
		auto it = files.find(name);
		if (it == files.end())
			return std::optional<std::string>{};
		return std::optional<std::string>(it->second);
	}
	Status write(const std::string &name, const std::string &data) override
	{
		files[name] = data;
		return Ok{};
	}
	Status remove(const std::string &name) override
	{
		files.erase(name);
		return Ok{};
	}
	std::vector<std::string> list() override
	{
		std::vector<std::string> out;
		for (const auto &kv : files)
			out.push_back(kv.first);
		return out;
	}
	std::map<std::string, std::string> files;
};

} // namespace hotdesk::platform
