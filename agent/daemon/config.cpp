// SPDX-License-Identifier: BSD-3-Clause
#include "config.h"

#include "../../platform/re/re_cxx.h"
#include "../core/text.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <vector>

namespace hotdesk
{

namespace
{

class Reader
{
public:
	explicit Reader(const struct conf *c) : c_(c) {}

	void str(const char *name, std::string &out)
	{
		struct pl pl;
		if (conf_get(c_, name, &pl) == 0)
			out.assign(pl.p, pl.l);
	}
	void num(const char *name, unsigned lo, unsigned hi, unsigned &out)
	{
		struct pl pl;
		if (conf_get(c_, name, &pl))
			return;
		uint32_t v = 0;
		const std::string s(pl.p, pl.l);
		if (s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9 ||
		    (v = static_cast<uint32_t>(std::stoul(s))) < lo || v > hi) {
			fail(name, "must be a number from " + std::to_string(lo) + " to " +
			               std::to_string(hi) + ", not '" + s + "'");
			return;
		}
		out = v;
	}
	// "on" / "off"
	void flag(const char *name, bool &out)
	{
		std::string v = out ? "on" : "off";
		str(name, v);
		if (v != "on" && v != "off")
			fail(name, "must be on or off, not '" + v + "'");
		out = v == "on";
	}
	void fail(const char *name, const std::string &why)
	{
		if (!err_)
			err_ = make_error(std::string("config:") + name, why);
	}
	const std::optional<Error> &error() const { return err_; }

private:
	const struct conf *c_;
	std::optional<Error> err_;
};

std::string read_file(const std::string &path, bool &ok)
{
	std::ifstream in(path);
	ok = static_cast<bool>(in);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// libre's conf ends a value at the first blank, so "emergency_numbers 112, 911"
// would silently lose 911. Refuse any line with text after its value.
Status check_single_values(const std::string &text)
{
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream words(line);
		std::string name, value, rest;
		if (!(words >> name) || name[0] == '#')
			continue;
		words >> value >> rest;
		if (!rest.empty() && rest[0] != '#')
			return make_error("config:" + name,
			                  "unexpected text '" + rest +
			                      "' after the value (lists are comma separated, "
			                      "without blanks)");
	}
	return Ok{};
}

} // namespace

Expected<Config> config_parse(const std::string &text)
{
	if (auto s = check_single_values(text); !s)
		return s.error();
	ReRef<struct conf> c;
	if (conf_alloc_buf(c.out(), reinterpret_cast<const uint8_t *>(text.data()), text.size()))
		return make_error("config", "cannot read configuration");
	Config cfg;
	std::string codes_tmp;
	Reader r(c.get());
	r.str("device_id", cfg.device_id);
	r.str("pool_ext", cfg.pool_ext);
	cfg.pool_sip_user = cfg.pool_ext;
	r.str("pool_sip_user", cfg.pool_sip_user);
	r.str("registrar", cfg.registrar);
	r.str("outbound_proxy", cfg.outbound_proxy);
	r.num("register_interval", 30, 86400, cfg.register_interval);
	r.num("register_timeout_ms", 100, 120000, cfg.register_timeout_ms);
	r.str("ctrl_tcp", cfg.ctrl_tcp);
	r.num("ctrl_timeout_ms", 50, 60000, cfg.ctrl_timeout_ms);
	r.str("pbx_url", cfg.pbx_url);
	r.str("pbx_ca", cfg.pbx_ca);
	r.num("pbx_connect_timeout_ms", 100, 60000, cfg.pbx_connect_timeout_ms);
	r.num("pbx_timeout_ms", 100, 120000, cfg.pbx_timeout_ms);
	r.str("secrets_file", cfg.secrets_file);
	r.str("state_dir", cfg.state_dir);
	r.flag("device_profile", cfg.device_profile);
	r.str("dial_codes", codes_tmp);
	cfg.dial_plan.other_codes = split_list(codes_tmp);
	std::string emergency;
	r.str("emergency_numbers", emergency);
	if (!emergency.empty())
		cfg.dial_plan.emergency = split_list(emergency);
	r.str("login_code", cfg.dial_plan.login_prefix);
	r.str("logout_code", cfg.dial_plan.logout_code);
	r.num("inter_digit_ms", 500, 60000, cfg.timings.inter_digit_ms);
	r.num("pin_timeout_ms", 1000, 300000, cfg.timings.pin_ms);
	r.num("message_ms", 500, 60000, cfg.timings.message_ms);
	r.num("pin_throttle_after", 1, 100, cfg.timings.throttle_after);
	r.num("pin_throttle_ms", 100, 600000, cfg.timings.throttle_base_ms);
	r.num("pin_throttle_max_ms", 100, 3600000, cfg.timings.throttle_max_ms);
	r.str("board", cfg.board_dir);
	r.str("key_socket", cfg.key_socket);
	r.str("display_log", cfg.display_log);
	r.str("tty", cfg.tty);
	r.str("log_level", cfg.log_level);
	r.str("status_listen", cfg.status_listen);
	r.str("status_cert", cfg.status_cert);
	r.str("status_key", cfg.status_key);
	r.str("status_client_ca", cfg.status_client_ca);
	r.str("status_socket", cfg.status_socket);
	r.flag("status_push", cfg.status_push);
	if (r.error())
		return *r.error();
	if (cfg.tty != "auto" && cfg.tty != "on" && cfg.tty != "off")
		return make_error("config:tty", "must be auto, on or off");
	if (cfg.log_level != "debug" && cfg.log_level != "info" && cfg.log_level != "warn" &&
	    cfg.log_level != "error")
		return make_error("config:log_level", "must be debug, info, warn or error");
	if (cfg.pbx_url.rfind("https://", 0) != 0)
		return make_error("config:pbx_url",
		                  "must be an https:// URL (the PIN travels in it)");
	if (cfg.pool_ext.empty() || cfg.registrar.empty())
		return make_error("config", "pool_ext and registrar are required");
	if (auto s = validate(cfg.dial_plan); !s)
		return s.error();
	return cfg;
}

Expected<Config> config_load(const std::string &path)
{
	bool ok = false;
	const std::string text = read_file(path, ok);
	if (!ok)
		return make_error(path, "cannot open configuration file");
	auto cfg = config_parse(text);
	if (!cfg)
		return make_error(path, cfg.error().str());
	return cfg;
}

Status config_load_secrets(Config &cfg)
{
	struct stat st {
	};
	if (::stat(cfg.secrets_file.c_str(), &st) != 0)
		return make_error(cfg.secrets_file, "cannot open secrets file");
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return make_error(cfg.secrets_file,
		                  "secrets file must not be accessible by group or "
		                  "others (chmod 600)");
	bool ok = false;
	std::string text = read_file(cfg.secrets_file, ok);
	ReRef<struct conf> c;
	const int err =
	    conf_alloc_buf(c.out(), reinterpret_cast<const uint8_t *>(text.data()), text.size());
	for (auto &ch : text)
		ch = '\0';
	if (!ok || err)
		return make_error(cfg.secrets_file, "cannot read secrets file");
	Reader r(c.get());
	r.str("pool_password", cfg.pool_password);
	r.str("pbx_token", cfg.pbx_token);
	r.str("status_token", cfg.status_token);
	if (cfg.pbx_token.empty())
		return make_error(cfg.secrets_file, "needs pbx_token");
	return Ok{};
}

} // namespace hotdesk
