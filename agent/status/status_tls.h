// SPDX-License-Identifier: BSD-3-Clause
// mbedTLS for the status server: one shared configuration (certificate, key,
// optional client CA for mutual TLS, TLS 1.2+, ECDHE AEAD suites only) and a
// per-connection session on a non-blocking socket. The session never blocks:
// every call reports whether it needs the socket readable or writable, and
// the connection re-arms libre's fd watch accordingly.
#pragma once

#include "../core/error.h"

#include <memory>
#include <string>

namespace hotdesk
{

class TlsServerConfig
{
public:
	// Loads the PEM files. With `client_ca_file` set, clients must present
	// a certificate that verifies against it (mutual TLS).
	static Expected<std::unique_ptr<TlsServerConfig>> load(const std::string &cert_file,
	                                                       const std::string &key_file,
	                                                       const std::string &client_ca_file);
	~TlsServerConfig();
	TlsServerConfig(const TlsServerConfig &) = delete;
	TlsServerConfig &operator=(const TlsServerConfig &) = delete;

	struct Impl;
	Impl &impl() { return *impl_; }

private:
	TlsServerConfig();
	std::unique_ptr<Impl> impl_;
};

class TlsSession
{
public:
	enum class Io { Done, WantRead, WantWrite, Eof, Failed };
	struct Result {
		Io io;
		size_t n; // bytes moved when io == Done
	};

	TlsSession(TlsServerConfig &cfg, int fd);
	~TlsSession();
	TlsSession(const TlsSession &) = delete;
	TlsSession &operator=(const TlsSession &) = delete;

	bool ok() const { return setup_ok_; }
	Io handshake();
	Result read(char *buf, size_t len);
	Result write(const char *buf, size_t len);
	// Decrypted bytes mbedTLS holds that the socket will not signal again.
	bool has_pending() const;
	// Best effort: one attempt, never waits.
	void close_notify();
	// mbedTLS's text for the last failure (no secrets in it).
	const std::string &last_error() const { return last_error_; }

private:
	Io map(int rc);

	struct Ctx;
	std::unique_ptr<Ctx> ctx_;
	int fd_;
	bool setup_ok_ = false;
	std::string last_error_;
};

} // namespace hotdesk
