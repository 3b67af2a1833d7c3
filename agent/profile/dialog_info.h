// SPDX-License-Identifier: BSD-3-Clause
// The body of a dialog event NOTIFY: application/dialog-info+xml (RFC 4235,
// section 4), as a presence server (kamailio's presence_dialoginfo, a PBX)
// sends it for a monitored extension. Pure: text in, values out (tinyxml2).
//
// Only what a BLF lamp needs is read: the document's version and whether it
// is the full state or a partial one (4.1), and per <dialog> its id, its
// direction (initiator | recipient) and its <state> (trying, proceeding,
// early, confirmed, terminated; 3.7.1). Element names may carry a namespace
// prefix ("d:dialog"); other elements are ignored.
//
// Limits: at most kDialogInfoMaxBytes of body and kDialogInfoMaxDialogs
// dialogs; anything larger is refused, whole.
#pragma once

#include "../core/blf_layout.h"
#include "../core/error.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hotdesk
{

constexpr size_t kDialogInfoMaxBytes = 64 * 1024;
constexpr size_t kDialogInfoMaxDialogs = 32;

// RFC 4235 3.7.1 states.
enum class DialogState { Trying, Proceeding, Early, Confirmed, Terminated };
const char *dialog_state_name(DialogState s);

struct DialogEntry {
	std::string id;         // the <dialog id>, unique within the entity
	bool initiator = false; // direction="initiator": the extension called out
	DialogState state = DialogState::Terminated;
};

struct DialogInfo {
	std::string entity;   // the monitored AOR ("sip:102@pbx")
	uint32_t version = 0; // increments with each NOTIFY of a subscription
	bool full = true;     // state="full" (else "partial": only changes)
	std::vector<DialogEntry> dialogs;
};

// Errors name the element and its line ("dialog-info:3: <state> 'ringing'").
Expected<DialogInfo> parse_dialog_info(std::string_view body);

// What a lamp shows for these dialogs (terminated ones do not count): any
// dialog ringing at the extension (early/proceeding/trying and not one the
// extension placed) -> Ringing; else any dialog at all -> Busy (talking, or
// calling out); else Idle. Ringing first: it is the one a colleague can pick up.
BlfState blf_state_of(const std::vector<DialogEntry> &dialogs);

} // namespace hotdesk
