// SPDX-License-Identifier: BSD-3-Clause
#pragma once

#include "../storage.h"

namespace hotdesk::platform
{

class PosixStorage : public Storage
{
public:
	explicit PosixStorage(std::string dir) : dir_(std::move(dir)) {}
	// Creates the directory (0700) if needed and removes stale temp files
	// left by a power cut in the middle of a write.
	Status open();

	Expected<std::optional<std::string>> read(const std::string &name) override;
	Status write(const std::string &name, const std::string &data) override;
	Status remove(const std::string &name) override;
	std::vector<std::string> list() override;

private:
	std::string path(const std::string &name) const { return dir_ + "/" + name; }
	Status sync_dir();
	std::string dir_;
};

} // namespace hotdesk::platform
