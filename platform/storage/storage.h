// SPDX-License-Identifier: BSD-3-Clause
// Power-safe files in the agent's state directory. Every write is atomic
// (temp -> fsync -> rename -> fsync directory) and every file is mode 0600:
// after a power cut a file holds either its old or its new content.
#pragma once

#include "../../agent/core/error.h"

#include <optional>
#include <string>
#include <vector>

namespace hotdesk::platform
{

class Storage
{
public:
	virtual ~Storage() = default;
	// nullopt when the file does not exist.
	virtual Expected<std::optional<std::string>> read(const std::string &name) = 0;
	virtual Status write(const std::string &name, const std::string &data) = 0;
	// Overwrites the content before unlinking, then syncs the directory.
	virtual Status remove(const std::string &name) = 0;
	virtual std::vector<std::string> list() = 0;
};

} // namespace hotdesk::platform
