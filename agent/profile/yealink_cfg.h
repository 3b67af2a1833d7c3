// SPDX-License-Identifier: BSD-3-Clause
// Yealink-style provisioning files (".cfg", the format of Yealink's
// "Auto Provisioning Guide" for T4x/T5x phones, also written by FreePBX EPM
// and 3CX templates), read into the settings of a device profile:
//
//   #!version:1.0.0.1                     first non-empty line, required
//   ## comment                            '#' starts a comment line
//   account.1.user_name = HD0001          key = value; blanks around '=' ok
//
// Keys used (everything else is ignored, never rejected):
//   account.1.enable (1|0)                  -> user_active#1 (on|off)
//   account.1.user_name, .auth_name         -> user_name#1, user_pname#1
//   account.1.password                      -> user_pass#1 (a secret)
//   account.1.display_name                  -> user_realname#1
//   account.1.sip_server.1.address, .port   -> user_host#1 ("host[:port]")
//     (or the older account.1.sip_server_host / sip_server_port)
//   account.1.outbound_proxy_enable = 1 and account.1.outbound_proxy.1.address,
//     .port (or the older outbound_host / outbound_port) -> user_outbound#1,
//     with account.1.sip_server.1.transport_type (or account.1.transport;
//     0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR) as its ";transport=" parameter
//   voice_mail.number.1                     -> user_mailbox#1
//   lang.gui (English|German|en|de...)      -> language
//   hotdesk.<name>                          -> hd_<name>; hotdesk.language and
//                                              hotdesk.timezone -> language, timezone
//   linekey.N.type = 16 (BLF), .value, .label, .pickup_value -> BLF key N
//   features.pickup.direct_pickup_code      -> pickup prefix of BLF keys without one
//
// A line that is neither blank, a comment nor "key = value" is rejected with
// its line number when it names a key we use, else ignored with a warning.
// Limits as for XML (ProfileLimits: bytes, settings, text per value).
#pragma once

#include "settings.h"

#include <string_view>

namespace hotdesk
{

// Whether `text` is a Yealink .cfg (its first non-blank line starts with
// "#!version:").
bool is_yealink_cfg(std::string_view text);

Expected<ParsedSettings> read_yealink_cfg(std::string_view text, const ProfileLimits &l);

} // namespace hotdesk
