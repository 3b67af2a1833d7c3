// SPDX-License-Identifier: BSD-3-Clause
#include "dialog_info.h"

#include <tinyxml2.h>

#include <cstring>

namespace hotdesk
{

namespace
{

using tinyxml2::XMLElement;

// "d:dialog" and "dialog" are both "dialog".
const char *local_name(const XMLElement *e)
{
	const char *n = e->Name();
	const char *colon = std::strrchr(n, ':');
	return colon ? colon + 1 : n;
}

bool named(const XMLElement *e, const char *want)
{
	return std::strcmp(local_name(e), want) == 0;
}

const XMLElement *child(const XMLElement *e, const char *want)
{
	for (const XMLElement *c = e->FirstChildElement(); c; c = c->NextSiblingElement())
		if (named(c, want))
			return c;
	return nullptr;
}

std::string where(const XMLElement *e)
{
	return "dialog-info:" + std::to_string(e->GetLineNum());
}

Expected<DialogState> state_of(const XMLElement *st)
{
	const char *t = st->GetText();
	const std::string s = t ? t : "";
	static const struct {
		const char *name;
		DialogState state;
	} names[] = {{"trying", DialogState::Trying},
	             {"proceeding", DialogState::Proceeding},
	             {"early", DialogState::Early},
	             {"confirmed", DialogState::Confirmed},
	             {"terminated", DialogState::Terminated}};
	for (const auto &n : names)
		if (s == n.name)
			return n.state;
	return make_error(where(st), "<state> '" + s.substr(0, 32) + "' is not an RFC 4235 state");
}

Expected<DialogEntry> dialog_of(const XMLElement *d)
{
	DialogEntry e;
	const char *id = d->Attribute("id");
	if (!id || !*id)
		return make_error(where(d), "<dialog> without an id");
	e.id = id;
	if (e.id.size() > 256)
		return make_error(where(d), "<dialog> id longer than 256 bytes");
	const char *dir = d->Attribute("direction");
	e.initiator = dir && std::strcmp(dir, "initiator") == 0;
	const XMLElement *st = child(d, "state");
	if (!st)
		return make_error(where(d), "<dialog id='" + e.id + "'> without <state>");
	auto s = state_of(st);
	if (!s)
		return s.error();
	e.state = *s;
	return e;
}

} // namespace

const char *dialog_state_name(DialogState s)
{
	switch (s) {
	case DialogState::Trying:
		return "trying";
	case DialogState::Proceeding:
		return "proceeding";
	case DialogState::Early:
		return "early";
	case DialogState::Confirmed:
		return "confirmed";
	case DialogState::Terminated:
		return "terminated";
	}
	return "?";
}

Expected<DialogInfo> parse_dialog_info(std::string_view body)
{
	if (body.size() > kDialogInfoMaxBytes)
		return make_error("dialog-info", "body of " + std::to_string(body.size()) +
		                                     " bytes (at most " +
		                                     std::to_string(kDialogInfoMaxBytes) + ")");
	tinyxml2::XMLDocument doc;
	if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS)
		return make_error("dialog-info:" + std::to_string(doc.ErrorLineNum()),
		                  std::string("not XML: ") + doc.ErrorName());
	const XMLElement *root = doc.RootElement();
	if (!root || !named(root, "dialog-info"))
		return make_error("dialog-info", "the root element is not <dialog-info>");
	DialogInfo info;
	const char *entity = root->Attribute("entity");
	info.entity = entity ? std::string(entity).substr(0, 256) : "";
	unsigned version = 0;
	if (root->QueryUnsignedAttribute("version", &version) != tinyxml2::XML_SUCCESS)
		return make_error(where(root), "<dialog-info> without a numeric version");
	info.version = version;
	const char *state = root->Attribute("state");
	if (!state || (std::strcmp(state, "full") != 0 && std::strcmp(state, "partial") != 0))
		return make_error(where(root), "<dialog-info> state is neither full nor partial");
	info.full = std::strcmp(state, "full") == 0;
	for (const XMLElement *d = root->FirstChildElement(); d; d = d->NextSiblingElement()) {
		if (!named(d, "dialog"))
			continue;
		if (info.dialogs.size() == kDialogInfoMaxDialogs)
			return make_error(where(d), "more than " +
			                                std::to_string(kDialogInfoMaxDialogs) +
			                                " dialogs");
		auto e = dialog_of(d);
		if (!e)
			return e.error();
		info.dialogs.push_back(std::move(*e));
	}
	return info;
}

BlfState blf_state_of(const std::vector<DialogEntry> &dialogs)
{
	bool busy = false;
	for (const auto &d : dialogs) {
		if (d.state == DialogState::Terminated)
			continue;
		if (d.state != DialogState::Confirmed && !d.initiator)
			return BlfState::Ringing;
		busy = true;
	}
	return busy ? BlfState::Busy : BlfState::Idle;
}

} // namespace hotdesk
