// SPDX-License-Identifier: BSD-3-Clause
// The status endpoint from the daemon's configuration: the HTTP(S) listener
// the PBX polls and the local socket hotdeskctl uses (docs/config.md,
// docs/status-api.yaml). Null when both are off.
#pragma once

#include "../status/status_server.h"
#include "config.h"

#include <memory>

namespace hotdesk
{

Expected<std::unique_ptr<StatusServer>> open_status_endpoint(const Config &cfg,
                                                             StatusHandler &handler);

} // namespace hotdesk
