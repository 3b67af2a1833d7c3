// SPDX-License-Identifier: BSD-3-Clause
#include "config.h"

#include "../core/account_values.h"

#include "../core/kv_reader.h"
#include "../core/text.h"

#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <vector>

namespace hotdesk
{

namespace
{

// Typed settings over the core `key value` reader. Errors name the key
// ("config:<key>") and the line; the first error wins. In the secrets file
// (`secret`) no value is ever quoted back.
class Reader
{
public:
	Reader(std::string_view text, bool secret) : kv_(text), secret_(secret) {}

	// Sets `out` when the key is present (an empty value included).
	void str(const char *name, std::string &out)
	{
		if (const KvLine *l = single(name))
			out = l->value;
	}
	void num(const char *name, unsigned lo, unsigned hi, unsigned &out)
	{
		const KvLine *l = single(name);
		if (!l)
			return;
		const std::string &s = l->value;
		if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos ||
		    s.size() > 9 || std::stoul(s) < lo || std::stoul(s) > hi) {
			fail(*l, "must be a number from " + std::to_string(lo) + " to " +
			             std::to_string(hi) + ", not '" + s + "'");
			return;
		}
		out = static_cast<unsigned>(std::stoul(s));
	}
	// One of `allowed`; `what` lists them for the error.
	void one_of(const char *name, std::initializer_list<const char *> allowed, const char *what,
	            std::string &out)
	{
		const KvLine *l = single(name);
		if (!l)
			return;
		for (const char *a : allowed)
			if (l->value == a) {
				out = l->value;
				return;
			}
		fail(*l, std::string("must be ") + what);
	}
	void https_url(const char *name, std::string &out)
	{
		const KvLine *l = single(name);
		if (l && l->value.rfind("https://", 0) != 0)
			fail(*l, "must be an https:// URL (the PIN travels in it)");
		else if (l)
			out = l->value;
	}
	// "on" / "off"
	void flag(const char *name, bool &out)
	{
		std::string v = out ? "on" : "off";
		one_of(name, {"on", "off"}, "on or off", v);
		out = v == "on";
	}
	// In the secrets file not even the key is named: a stray line may be a
	// password.
	void fail(const KvLine &l, const std::string &why)
	{
		if (!err_)
			err_ = make_error(secret_ ? std::string("secrets") : "config:" + l.key,
			                  "line " + std::to_string(l.line) + ": " + why);
	}
	// Keys set twice, and (in the configuration) keys nobody reads: typos.
	void check_keys(bool unknown_is_error)
	{
		if (auto d = kv_.first_duplicate(); d.again)
			fail(*d.again,
			     "set twice (first on line " + std::to_string(d.first_line) + ")");
		if (const KvLine *u = kv_.first_unread(); u && unknown_is_error)
			fail(*u, "unknown setting (docs/config.md lists every key)");
	}
	const std::optional<Error> &error() const { return err_; }

private:
	// The key's line, with one word as its value: libre's conf, which this
	// format comes from, ended a value at the first blank, so
	// "emergency_numbers 112, 911" would silently lose 911.
	const KvLine *single(const char *name)
	{
		const KvLine *l = kv_.find(name);
		if (!l)
			return nullptr;
		const size_t blank = l->value.find_first_of(" \t");
		if (blank == std::string::npos)
			return l;
		const std::string rest = l->value.substr(l->value.find_first_not_of(" \t", blank));
		fail(*l, secret_ ? std::string("unexpected text after the value")
		                 : "unexpected text '" + rest +
		                       "' after the value (lists are comma separated, "
		                       "without blanks)");
		return nullptr;
	}

	KvReader kv_;
	bool secret_;
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

void read_core(Reader &r, Config &cfg)
{
	r.str("device_id", cfg.device_id);
	r.str("pool_ext", cfg.pool_ext);
	cfg.pool_sip_user = cfg.pool_ext;
	r.str("pool_sip_user", cfg.pool_sip_user);
	r.str("registrar", cfg.registrar);
	r.str("outbound_proxy", cfg.outbound_proxy);
	r.num("register_interval", 30, 86400, cfg.register_interval);
	r.num("register_timeout_ms", 100, 120000, cfg.register_timeout_ms);
	r.num("register_retry_ms", 0, 3600000, cfg.register_retry_ms);
	r.str("ctrl_tcp", cfg.ctrl_tcp);
	r.num("ctrl_timeout_ms", 50, 60000, cfg.ctrl_timeout_ms);
	r.https_url("pbx_url", cfg.pbx_url);
	r.str("pbx_ca", cfg.pbx_ca);
	r.num("pbx_connect_timeout_ms", 100, 60000, cfg.pbx_connect_timeout_ms);
	r.num("pbx_timeout_ms", 100, 120000, cfg.pbx_timeout_ms);
	r.str("secrets_file", cfg.secrets_file);
	r.str("state_dir", cfg.state_dir);
	r.flag("device_profile", cfg.device_profile);
}

void read_dialling(Reader &r, Config &cfg)
{
	std::string codes;
	r.str("dial_codes", codes);
	cfg.dial_plan.other_codes = split_list(codes);
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
}

void read_device(Reader &r, Config &cfg)
{
	r.str("board", cfg.board_dir);
	r.str("key_socket", cfg.key_socket);
	r.str("display_log", cfg.display_log);
	r.str("locale_dir", cfg.locale_dir);
	r.one_of("tty", {"auto", "on", "off"}, "auto, on or off", cfg.tty);
	r.one_of("log_level", {"debug", "info", "warn", "error"}, "debug, info, warn or error",
	         cfg.log_level);
	r.one_of("log_target", {"stderr", "syslog"}, "stderr or syslog", cfg.log_target);
	r.str("status_listen", cfg.status_listen);
	r.str("status_cert", cfg.status_cert);
	r.str("status_key", cfg.status_key);
	r.str("status_client_ca", cfg.status_client_ca);
	r.str("status_socket", cfg.status_socket);
	r.flag("status_push", cfg.status_push);
	r.flag("retry_jitter", cfg.retry_jitter);
}

// The pool account goes into a baresip account line: the same one check as
// for profiles (agent/core/account_values.h), normalising what has one
// meaning (a scheme-less outbound proxy) and refusing what baresip cannot use.
Status check_pool_account(Config &cfg)
{
	if (auto e = check_extension(cfg.pool_ext); !e)
		return make_error("config:pool_ext", e.error().what);
	if (auto u = check_sip_user(cfg.pool_sip_user); !u)
		return make_error("config:pool_sip_user", u.error().what);
	if (auto r = check_registrar(cfg.registrar); !r)
		return make_error("config:registrar", r.error().what);
	else
		cfg.registrar = *r;
	if (cfg.outbound_proxy.empty())
		return Ok{};
	if (auto o = check_outbound(cfg.outbound_proxy); !o)
		return make_error("config:outbound_proxy", o.error().what);
	else
		cfg.outbound_proxy = *o;
	return Ok{};
}

} // namespace

#ifndef HOTDESK_LOCALEDIR
#define HOTDESK_LOCALEDIR "/usr/share/locale"
#endif

std::string default_locale_dir()
{
	return HOTDESK_LOCALEDIR;
}

Expected<Config> config_parse(const std::string &text)
{
	Config cfg;
	Reader r(text, false);
	read_core(r, cfg);
	read_dialling(r, cfg);
	read_device(r, cfg);
	r.check_keys(true);
	if (r.error())
		return *r.error();
	if (cfg.pool_ext.empty() || cfg.registrar.empty())
		return make_error("config", "pool_ext and registrar are required");
	if (auto s = validate(cfg.dial_plan); !s)
		return s.error();
	if (auto s = check_pool_account(cfg); !s)
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
	if (!ok)
		return make_error(cfg.secrets_file, "cannot read secrets file");
	Reader r(text, true);
	for (auto &ch : text)
		ch = '\0';
	r.str("pool_password", cfg.pool_password);
	r.str("pbx_token", cfg.pbx_token);
	r.str("status_token", cfg.status_token);
	// Other keys are not an error here: a line of the secrets file is
	// never quoted back, not even its key.
	r.check_keys(false);
	if (r.error())
		return make_error(cfg.secrets_file, r.error()->str());
	if (cfg.pbx_token.empty())
		return make_error(cfg.secrets_file, "needs pbx_token");
	if (!cfg.pool_password.empty())
		if (auto s = check_sip_password(cfg.pool_password); !s)
			return make_error(cfg.secrets_file + ":pool_password", s.error().what);
	return Ok{};
}

} // namespace hotdesk
