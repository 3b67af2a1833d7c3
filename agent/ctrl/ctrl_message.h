// SPDX-License-Identifier: BSD-3-Clause
// baresip ctrl_tcp messages (modules/ctrl_tcp/ctrl_tcp.c, baresip v1.0.0).
// Every message is a netstring whose payload is one JSON object:
//
//   command  -> {"command":"uanew","params":"<sip:100@host>;auth_pass=x","token":"t1"}
//   response <- {"response":true,"ok":true,"data":"<printed text>","token":"t1"}
//   event    <- {"event":true,"type":"REGISTER_OK","class":"register",
//                "accountaor":"sip:100@host","param":"200 OK"}
//               call events add "direction","peeruri","peerdisplayname","id".
//
// We send only string-typed fields: a number in command/params/token crashes
// baresip 1.0.0. Malformed JSON or a missing command gets no response at all,
// so the client times out every request.
#pragma once

#include "../core/error.h"

#include <string>
#include <string_view>

namespace hotdesk
{

struct CtrlMessage {
	enum Kind { Response, Event } kind = Response;
	// Response
	std::string token;
	bool ok = false;
	std::string data;
	// Event
	std::string type;
	std::string klass;
	std::string aor;
	std::string param;
	std::string direction;
	std::string peeruri;
	std::string peername; // peerdisplayname, when the peer sent one
	std::string call_id;
};

// JSON payload (without netstring framing), encoded with re's odict encoder.
Expected<std::string> ctrl_encode_command(const std::string &command, const std::string &params,
                                          const std::string &token);

// baresip echoes account lines in what commands print ("Creating UA for
// <sip:...>;auth_pass=SECRET ...", also when uanew fails), so every text the
// client hands on has the value of each auth_pass parameter replaced by "***".
std::string redact_account_secrets(std::string text);

// The same for a frame's raw JSON, before it is decoded (an echoed line's
// quotes are escaped there: auth_pass=\"pw\"). The secret's bytes are
// overwritten in place; the JSON stays valid. libre's decoder would leave
// copies of the secret in what it frees.
std::string redact_account_secrets_json(std::string json);

// Decode one frame payload with re's JSON decoder. Anything that is neither
// a response nor an event is an error naming what is wrong.
Expected<CtrlMessage> ctrl_decode(std::string_view payload);

} // namespace hotdesk
