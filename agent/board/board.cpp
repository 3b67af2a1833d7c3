#include "board.h"

#include "../re/re_cxx.h"

#include <fstream>
#include <sstream>

namespace hotdesk {

namespace {

struct KeyCtx {
	Board *board;
	Error err;
	bool failed = false;
};

int key_entry(const struct pl *val, void *arg)
{
	auto *ctx = static_cast<KeyCtx *>(arg);
	// libre's conf values end at whitespace, hence "key <input>=<logical>".
	const std::string v(val->p, val->l);
	const size_t eq = v.find('=');
	const std::string token = eq == std::string::npos ? "" : v.substr(0, eq);
	const std::string logical = eq == std::string::npos ? "" : v.substr(eq + 1);
	if (token.empty() || logical.empty()) {
		ctx->err = make_error("board", "'key " + v + "': want 'key <input>=<logical key>'");
		ctx->failed = true;
		return EINVAL;
	}
	auto k = parse_key_name(logical);
	if (!k) {
		ctx->err = make_error("board", "'key " + v + "': " + k.error().what);
		ctx->failed = true;
		return EINVAL;
	}
	if (!ctx->board->keymap.emplace(token, *k).second) {
		ctx->err = make_error("board", "'key " + v + "': input '" + token + "' mapped twice");
		ctx->failed = true;
		return EINVAL;
	}
	return 0;
}

Status get_u32(const struct conf *c, const char *name, unsigned lo, unsigned hi, unsigned &out)
{
	struct pl pl;
	if (conf_get(c, name, &pl))
		return Ok{}; // keep the default
	// conf_get_u32() reads "many" as 0 and wraps long numbers: check first.
	const std::string s(pl.p, pl.l);
	uint32_t v = 0;
	if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos ||
	    conf_get_u32(c, name, &v) || v < lo || v > hi)
		return make_error("board", std::string(name) + " must be a number from " +
						   std::to_string(lo) + " to " + std::to_string(hi));
	out = v;
	return Ok{};
}

} // namespace

Expected<Board> board_parse(const std::string &text)
{
	ReRef<struct conf> c;
	if (conf_alloc_buf(c.out(), reinterpret_cast<const uint8_t *>(text.data()), text.size()))
		return make_error("board", "cannot read board file");
	Board b;
	char name[64] = {0};
	if (conf_get_str(c.get(), "name", name, sizeof(name)))
		return make_error("board", "missing 'name'");
	b.name = name;
	if (auto s = get_u32(c.get(), "display_lines", 1, 16, b.display_lines); !s)
		return s.error();
	if (auto s = get_u32(c.get(), "display_columns", 8, 80, b.display_columns); !s)
		return s.error();
	if (auto s = get_u32(c.get(), "blf_keys", 0, 64, b.blf_keys); !s)
		return s.error();
	KeyCtx ctx{&b, {}, false};
	conf_apply(c.get(), "key", key_entry, &ctx);
	if (ctx.failed)
		return ctx.err;
	for (const auto &kv : b.keymap)
		if (kv.second.kind == KeyKind::Blf && kv.second.index > static_cast<int>(b.blf_keys))
			return make_error("board", "key '" + kv.first + "' is " + key_name(kv.second) +
							   " but the board has " + std::to_string(b.blf_keys) +
							   " BLF keys");
	return b;
}

Expected<Board> board_load(const std::string &dir)
{
	const std::string path = dir + "/board.conf";
	std::ifstream in(path);
	if (!in)
		return make_error("board", "cannot open " + path);
	std::stringstream ss;
	ss << in.rdbuf();
	auto b = board_parse(ss.str());
	if (!b)
		return make_error(path, b.error().str());
	return b;
}

} // namespace hotdesk
