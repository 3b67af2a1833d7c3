// SPDX-License-Identifier: BSD-3-Clause
#include "status_tls.h"

#include "../../platform/net/stream_io.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

namespace hotdesk
{

namespace
{

// Forward secrecy and AEAD only; TLS 1.2 is the floor (mbedTLS 2.28 has no
// TLS 1.3 for servers).
const int kSuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

// mbedTLS 2.28's default puts secp521r1 first, and the server's order
// wins: every handshake would pay for P-521 (~5x the cost of P-256) for no
// practical gain. X25519 and P-256 first, P-384 for clients that want it.
const mbedtls_ecp_group_id kCurves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

std::string tls_error(int rc)
{
	char buf[160];
	mbedtls_strerror(rc, buf, sizeof(buf));
	return buf;
}

int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	if (len == 0)
		return 0;
	const auto r = platform::stream_send(*static_cast<int *>(ctx), buf, len);
	if (r.kind == platform::StreamIo::Done)
		return static_cast<int>(r.n);
	if (r.kind == platform::StreamIo::WouldBlock)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	const auto r = platform::stream_recv(*static_cast<int *>(ctx), buf, len);
	switch (r.kind) {
	case platform::StreamIo::Done:
		return static_cast<int>(r.n);
	case platform::StreamIo::Eof:
		return 0; // mbedTLS reports CONN_EOF
	case platform::StreamIo::WouldBlock:
		return MBEDTLS_ERR_SSL_WANT_READ;
	case platform::StreamIo::Failed:
		break;
	}
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

} // namespace

struct TlsServerConfig::Impl {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt cert;
	mbedtls_x509_crt ca;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;

	Impl()
	{
		mbedtls_entropy_init(&entropy);
		mbedtls_ctr_drbg_init(&drbg);
		mbedtls_x509_crt_init(&cert);
		mbedtls_x509_crt_init(&ca);
		mbedtls_pk_init(&key);
		mbedtls_ssl_config_init(&conf);
	}
	~Impl()
	{
		mbedtls_ssl_config_free(&conf);
		mbedtls_pk_free(&key);
		mbedtls_x509_crt_free(&ca);
		mbedtls_x509_crt_free(&cert);
		mbedtls_ctr_drbg_free(&drbg);
		mbedtls_entropy_free(&entropy);
	}
	Status setup(const std::string &cert_file, const std::string &key_file,
	             const std::string &ca_file);
};

Status TlsServerConfig::Impl::setup(const std::string &cert_file, const std::string &key_file,
                                    const std::string &ca_file)
{
	static const unsigned char pers[] = "hotdesk-status";
	int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers, sizeof(pers));
	if (rc)
		return make_error("status:tls",
		                  "cannot seed the random generator: " + tls_error(rc));
	if ((rc = mbedtls_x509_crt_parse_file(&cert, cert_file.c_str())))
		return make_error("status:tls", "certificate " + cert_file + ": " + tls_error(rc));
	// The key's content never reaches a message, only its path.
	if ((rc = mbedtls_pk_parse_keyfile(&key, key_file.c_str(), nullptr)))
		return make_error("status:tls", "private key " + key_file + ": " + tls_error(rc));
	rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
	                                 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc)
		return make_error("status:tls", "config: " + tls_error(rc));
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&conf, kSuites);
	mbedtls_ssl_conf_curves(&conf, kCurves);
	if ((rc = mbedtls_ssl_conf_own_cert(&conf, &cert, &key)))
		return make_error("status:tls", "certificate and key: " + tls_error(rc));
	if (ca_file.empty()) {
		mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
		return Ok{};
	}
	if ((rc = mbedtls_x509_crt_parse_file(&ca, ca_file.c_str())))
		return make_error("status:tls", "client CA " + ca_file + ": " + tls_error(rc));
	mbedtls_ssl_conf_ca_chain(&conf, &ca, nullptr);
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	return Ok{};
}

TlsServerConfig::TlsServerConfig() : impl_(std::make_unique<Impl>()) {}
TlsServerConfig::~TlsServerConfig() = default;

Expected<std::unique_ptr<TlsServerConfig>> TlsServerConfig::load(const std::string &cert_file,
                                                                 const std::string &key_file,
                                                                 const std::string &client_ca_file)
{
	std::unique_ptr<TlsServerConfig> cfg(new TlsServerConfig());
	Status st = cfg->impl_->setup(cert_file, key_file, client_ca_file);
	if (!st)
		return st.error();
	return cfg;
}

struct TlsSession::Ctx {
	mbedtls_ssl_context ssl;
	Ctx() { mbedtls_ssl_init(&ssl); }
	~Ctx() { mbedtls_ssl_free(&ssl); }
};

TlsSession::TlsSession(TlsServerConfig &cfg, int fd) : ctx_(std::make_unique<Ctx>()), fd_(fd)
{
	const int rc = mbedtls_ssl_setup(&ctx_->ssl, &cfg.impl().conf);
	if (rc) {
		last_error_ = tls_error(rc);
		return;
	}
	mbedtls_ssl_set_bio(&ctx_->ssl, &fd_, bio_send, bio_recv, nullptr);
	setup_ok_ = true;
}

TlsSession::~TlsSession() = default;

TlsSession::Io TlsSession::map(int rc)
{
	switch (rc) {
	case MBEDTLS_ERR_SSL_WANT_READ:
		return Io::WantRead;
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return Io::WantWrite;
	case 0:
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_SSL_CONN_EOF:
		return Io::Eof;
	default:
		last_error_ = tls_error(rc);
		return Io::Failed;
	}
}

TlsSession::Io TlsSession::handshake()
{
	const int rc = mbedtls_ssl_handshake(&ctx_->ssl);
	return rc == 0 ? Io::Done : map(rc);
}

TlsSession::Result TlsSession::read(char *buf, size_t len)
{
	const int rc = mbedtls_ssl_read(&ctx_->ssl, reinterpret_cast<unsigned char *>(buf), len);
	if (rc > 0)
		return {Io::Done, static_cast<size_t>(rc)};
	return {map(rc), 0};
}

TlsSession::Result TlsSession::write(const char *buf, size_t len)
{
	const int rc =
	    mbedtls_ssl_write(&ctx_->ssl, reinterpret_cast<const unsigned char *>(buf), len);
	if (rc > 0)
		return {Io::Done, static_cast<size_t>(rc)};
	return {rc == 0 ? Io::WantWrite : map(rc), 0};
}

bool TlsSession::has_pending() const
{
	return mbedtls_ssl_check_pending(&ctx_->ssl) != 0;
}

void TlsSession::close_notify()
{
	(void)mbedtls_ssl_close_notify(&ctx_->ssl);
}

} // namespace hotdesk
