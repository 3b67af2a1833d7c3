// SPDX-License-Identifier: BSD-3-Clause
#include "call_history.h"

#include "call_text.h"
#include "i18n.h"

#include <utility>

namespace hotdesk
{

namespace
{

void scrub(std::string &s)
{
	for (char &c : s)
		c = '\0';
	s.clear();
	s.shrink_to_fit();
}

} // namespace

const char *call_kind_name(CallKind k)
{
	switch (k) {
	case CallKind::Missed:
		return N_("Missed");
	case CallKind::Received:
		return N_("Received");
	case CallKind::Dialled:
		return N_("Dialled");
	}
	return "?";
}

void CallHistory::add(CallRecord r, bool unseen)
{
	r.number = bounded(r.number);
	r.name = bounded(r.name);
	entries_.push_front(std::move(r));
	while (entries_.size() > kMax) {
		scrub(entries_.back().number);
		scrub(entries_.back().name);
		entries_.pop_back();
	}
	if (unseen && entries_.front().kind == CallKind::Missed && unseen_ < kMax)
		++unseen_;
	if (browsing_ && cursor_ + 1 < entries_.size())
		++cursor_; // stay on the entry the person was looking at
}

std::string CallHistory::idle_line() const
{
	if (unseen_ == 0)
		return "";
	return trn("%u missed call", "%u missed calls", unseen_);
}

std::string CallHistory::last_dialled() const
{
	for (const auto &r : entries_)
		if (r.kind == CallKind::Dialled)
			return r.number;
	return "";
}

void CallHistory::open()
{
	browsing_ = true;
	cursor_ = 0;
	unseen_ = 0;
}

bool CallHistory::on_key(const Key &k)
{
	switch (k.kind) {
	case KeyKind::Up:
	case KeyKind::Down:
		if (!browsing_) {
			open();
			return true;
		}
		if (k.kind == KeyKind::Down && cursor_ + 1 < entries_.size())
			++cursor_;
		else if (k.kind == KeyKind::Up && cursor_ > 0)
			--cursor_;
		return true;
	case KeyKind::Cancel:
		if (!browsing_)
			return false;
		close();
		return true;
	default:
		close();
		return false;
	}
}

const CallRecord *CallHistory::selected() const
{
	if (!browsing_ || cursor_ >= entries_.size())
		return nullptr;
	return &entries_[cursor_];
}

std::vector<std::string> CallHistory::lines() const
{
	const CallRecord *r = selected();
	if (!r)
		return {tr("Call history"), tr("No calls")};
	const bool named = !r->name.empty();
	std::string detail = tr(call_kind_name(r->kind));
	if (named)
		detail += " " + r->number;
	const std::string pos = std::to_string(cursor_ + 1) + "/" + std::to_string(entries_.size());
	return {named ? r->name : r->number, two_columns(detail, pos)};
}

void CallHistory::wipe()
{
	for (auto &r : entries_) {
		scrub(r.number);
		scrub(r.name);
	}
	entries_.clear();
	entries_.shrink_to_fit();
	unseen_ = 0;
	browsing_ = false;
	cursor_ = 0;
}

} // namespace hotdesk
