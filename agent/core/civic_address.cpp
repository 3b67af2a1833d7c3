// SPDX-License-Identifier: BSD-3-Clause
#include "civic_address.h"

namespace hotdesk
{

const std::vector<CivicField> &civic_fields()
{
	static const std::vector<CivicField> k = {
	    {"country", &CivicAddress::country}, {"A1", &CivicAddress::A1},
	    {"A3", &CivicAddress::A3},           {"RD", &CivicAddress::RD},
	    {"HNO", &CivicAddress::HNO},         {"BLD", &CivicAddress::BLD},
	    {"FLR", &CivicAddress::FLR},         {"ROOM", &CivicAddress::ROOM}};
	return k;
}

bool CivicAddress::empty() const
{
	for (const auto &f : civic_fields())
		if (!(this->*f.member).empty())
			return false;
	return true;
}

std::string CivicAddress::short_line() const
{
	std::string out;
	auto add = [&out](const std::string &label, const std::string &v) {
		if (v.empty())
			return;
		if (!out.empty())
			out += ", ";
		out += label + v;
	};
	add("Bldg ", BLD);
	add("Fl ", FLR);
	add("Rm ", ROOM);
	if (out.empty()) {
		add("", RD);
		if (!HNO.empty())
			out += (out.empty() ? "" : " ") + HNO;
		add("", A3);
	}
	return out;
}

bool operator==(const CivicAddress &a, const CivicAddress &b)
{
	for (const auto &f : civic_fields())
		if (a.*f.member != b.*f.member)
			return false;
	return true;
}

} // namespace hotdesk
