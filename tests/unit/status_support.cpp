// SPDX-License-Identifier: BSD-3-Clause
#include "status_support.h"

#include "platform/re/re_cxx.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace hotdesk::test
{

namespace
{

constexpr unsigned kClientTimeoutMs = 5000;

struct LoopCtx {
	const std::function<bool()> *done = nullptr;
	bool timed_out = false;
	struct tmr poll {
	};
	struct tmr watchdog {
	};
};

void poll_h(void *arg)
{
	auto *c = static_cast<LoopCtx *>(arg);
	if ((*c->done)())
		re_cancel();
	else
		tmr_start(&c->poll, 2, poll_h, c);
}

void watchdog_h(void *arg)
{
	static_cast<LoopCtx *>(arg)->timed_out = true;
	re_cancel();
}

std::string lower(std::string s)
{
	for (auto &c : s)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return s;
}

void run(const std::string &cmd)
{
	if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0)
		throw std::runtime_error("failed: " + cmd);
}

void write_file(const std::string &path, const std::string &text)
{
	std::ofstream(path) << text;
}

// A CA, and `name`.crt/.key signed by it with the given extensions.
void make_leaf(const std::string &d, const std::string &ca, const std::string &name,
               const std::string &ext)
{
	write_file(d + "/" + name + ".ext", ext);
	run("cd " + d + " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
	    name + ".key");
	run("cd " + d + " && openssl req -new -key " + name + ".key -subj /CN=" + name + " -out " +
	    name + ".csr");
	run("cd " + d + " && openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " +
	    ca + ".key -CAcreateserial -days 2 -sha256 -extfile " + name + ".ext -out " + name +
	    ".crt");
}

void make_ca(const std::string &d, const std::string &name)
{
	write_file(d + "/" + name + ".ext",
	           "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
	run("cd " + d + " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
	    name + ".key");
	run("cd " + d + " && openssl req -new -key " + name + ".key -subj /CN=" + name + " -out " +
	    name + ".csr");
	run("cd " + d + " && openssl x509 -req -in " + name + ".csr -signkey " + name +
	    ".key -days 2 -sha256 -extfile " + name + ".ext -out " + name + ".crt");
}

struct PkiOwner {
	Pki pki;
	PkiOwner()
	{
		const std::string d = temp_dir();
		pki.dir = d;
		make_ca(d, "ca");
		make_ca(d, "rogueca");
		make_leaf(d, "ca", "server",
		          "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
		          "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
		const std::string client_ext =
		    "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n";
		make_leaf(d, "ca", "client", client_ext);
		make_leaf(d, "rogueca", "rogue", client_ext);
		pki.ca = d + "/ca.crt";
		pki.server_cert = d + "/server.crt";
		pki.server_key = d + "/server.key";
		pki.client_cert = d + "/client.crt";
		pki.client_key = d + "/client.key";
		pki.rogue_cert = d + "/rogue.crt";
		pki.rogue_key = d + "/rogue.key";
	}
	~PkiOwner() { remove_tree(pki.dir); }
};

class TlsClient : public Client
{
public:
	bool open(int fd, const TlsClientOptions &o);
	~TlsClient() override;

protected:
	long raw_send(const char *p, size_t n) override;
	long raw_recv(char *p, size_t n) override;

private:
	static int bio_send(void *ctx, const unsigned char *b, size_t n);
	static int bio_recv(void *ctx, unsigned char *b, size_t n);
	mbedtls_entropy_context entropy_;
	mbedtls_ctr_drbg_context drbg_;
	mbedtls_x509_crt ca_, cert_;
	mbedtls_pk_context key_;
	mbedtls_ssl_config conf_;
	mbedtls_ssl_context ssl_;
	bool init_ = false;
};

} // namespace

bool run_loop_until(const std::function<bool()> &done, unsigned timeout_ms)
{
	LoopCtx c;
	c.done = &done;
	tmr_init(&c.poll);
	tmr_init(&c.watchdog);
	tmr_start(&c.poll, 0, poll_h, &c);
	tmr_start(&c.watchdog, timeout_ms, watchdog_h, &c);
	(void)re_main(nullptr);
	tmr_cancel(&c.poll);
	tmr_cancel(&c.watchdog);
	return !c.timed_out;
}

bool serve_while(const std::function<void()> &client, unsigned timeout_ms)
{
	std::atomic<bool> finished{false};
	std::thread t([&] {
		client();
		finished = true;
	});
	const bool ok = run_loop_until([&] { return finished.load(); }, timeout_ms);
	t.join();
	return ok;
}

Client::~Client()
{
	if (fd_ >= 0)
		::close(fd_);
}

void Client::set_recv_timeout(unsigned ms)
{
	struct timeval tv {
	};
	tv.tv_sec = ms / 1000;
	tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
	(void)setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

long Client::raw_send(const char *p, size_t n)
{
	return ::send(fd_, p, n, MSG_NOSIGNAL);
}
long Client::raw_recv(char *p, size_t n)
{
	return ::recv(fd_, p, n, 0);
}

bool Client::send(const std::string &bytes)
{
	size_t off = 0;
	while (off < bytes.size()) {
		const long n = raw_send(bytes.data() + off, bytes.size() - off);
		if (n <= 0)
			return false;
		off += static_cast<size_t>(n);
	}
	return true;
}

size_t Client::send_nowait(const std::string &bytes)
{
	size_t off = 0;
	while (off < bytes.size()) {
		const long n = ::send(fd_, bytes.data() + off, bytes.size() - off,
		                      MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		off += static_cast<size_t>(n);
	}
	return off;
}

Reply Client::read_reply()
{
	Reply r;
	char buf[4096];
	size_t head_end;
	while ((head_end = in_.find("\r\n\r\n")) == std::string::npos) {
		const long n = raw_recv(buf, sizeof(buf));
		if (n <= 0)
			return r;
		in_.append(buf, static_cast<size_t>(n));
	}
	const std::string head = in_.substr(0, head_end);
	size_t pos = head.find("\r\n");
	const std::string status_line = head.substr(0, pos);
	while (pos != std::string::npos && pos < head.size()) {
		const size_t next = head.find("\r\n", pos + 2);
		const std::string line =
		    head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
		const size_t colon = line.find(':');
		if (colon != std::string::npos)
			r.headers[lower(line.substr(0, colon))] =
			    line.substr(line.find_first_not_of(' ', colon + 1));
		pos = next;
	}
	const size_t len = std::strtoul(r.headers["content-length"].c_str(), nullptr, 10);
	while (in_.size() < head_end + 4 + len) {
		const long n = raw_recv(buf, sizeof(buf));
		if (n <= 0)
			return r;
		in_.append(buf, static_cast<size_t>(n));
	}
	r.body = in_.substr(head_end + 4, len);
	in_.erase(0, head_end + 4 + len);
	r.status = std::atoi(status_line.substr(9, 3).c_str());
	return r;
}

long Client::closed_within(unsigned max_ms)
{
	using clock = std::chrono::steady_clock;
	const auto start = clock::now();
	set_recv_timeout(max_ms);
	char buf[4096];
	for (;;) {
		const long n = raw_recv(buf, sizeof(buf));
		const long ms = static_cast<long>(
		    std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start)
		        .count());
		if (n > 0 && ms <= static_cast<long>(max_ms))
			continue; // e.g. a 408 on its way out
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;
		return ms <= static_cast<long>(max_ms) ? ms : -1;
	}
}

std::unique_ptr<Client> connect_tcp(uint16_t port, int rcvbuf)
{
	struct Plain : Client {
		explicit Plain(int fd)
		{
			fd_ = fd;
			set_recv_timeout(kClientTimeoutMs);
		}
	};
	const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	if (rcvbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in in {
	};
	in.sin_family = AF_INET;
	in.sin_port = htons(port);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (::connect(fd, reinterpret_cast<struct sockaddr *>(&in), sizeof(in)) != 0) {
		::close(fd);
		return std::make_unique<Plain>(-1);
	}
	return std::make_unique<Plain>(fd);
}

std::unique_ptr<Client> connect_unix(const std::string &path)
{
	struct Unix : Client {
		explicit Unix(int fd)
		{
			fd_ = fd;
			set_recv_timeout(kClientTimeoutMs);
		}
	};
	const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un {
	};
	un.sun_family = AF_UNIX;
	std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
	if (::connect(fd, reinterpret_cast<struct sockaddr *>(&un), sizeof(un)) != 0) {
		::close(fd);
		return std::make_unique<Unix>(-1);
	}
	return std::make_unique<Unix>(fd);
}

int TlsClient::bio_send(void *ctx, const unsigned char *b, size_t n)
{
	const long k = ::send(*static_cast<int *>(ctx), b, n, MSG_NOSIGNAL);
	return k >= 0 ? static_cast<int>(k) : MBEDTLS_ERR_NET_SEND_FAILED;
}

int TlsClient::bio_recv(void *ctx, unsigned char *b, size_t n)
{
	const long k = ::recv(*static_cast<int *>(ctx), b, n, 0);
	if (k >= 0)
		return static_cast<int>(k);
	return errno == EAGAIN || errno == EWOULDBLOCK ? MBEDTLS_ERR_SSL_TIMEOUT
	                                               : MBEDTLS_ERR_NET_RECV_FAILED;
}

bool TlsClient::open(int fd, const TlsClientOptions &o)
{
	fd_ = fd;
	set_recv_timeout(kClientTimeoutMs);
	mbedtls_entropy_init(&entropy_);
	mbedtls_ctr_drbg_init(&drbg_);
	mbedtls_x509_crt_init(&ca_);
	mbedtls_x509_crt_init(&cert_);
	mbedtls_pk_init(&key_);
	mbedtls_ssl_config_init(&conf_);
	mbedtls_ssl_init(&ssl_);
	init_ = true;
	if (mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0) ||
	    mbedtls_x509_crt_parse_file(&ca_, o.ca_file.c_str()) ||
	    mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
	                                MBEDTLS_SSL_PRESET_DEFAULT))
		return false;
	mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
	mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
	mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
	if (!o.cert_file.empty() && (mbedtls_x509_crt_parse_file(&cert_, o.cert_file.c_str()) ||
	                             mbedtls_pk_parse_keyfile(&key_, o.key_file.c_str(), nullptr) ||
	                             mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_)))
		return false;
	if (mbedtls_ssl_setup(&ssl_, &conf_) || mbedtls_ssl_set_hostname(&ssl_, "localhost"))
		return false;
	mbedtls_ssl_set_bio(&ssl_, &fd_, bio_send, bio_recv, nullptr);
	int rc;
	while ((rc = mbedtls_ssl_handshake(&ssl_)) == MBEDTLS_ERR_SSL_WANT_READ ||
	       rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
	}
	return rc == 0;
}

TlsClient::~TlsClient()
{
	if (!init_)
		return;
	mbedtls_ssl_free(&ssl_);
	mbedtls_ssl_config_free(&conf_);
	mbedtls_pk_free(&key_);
	mbedtls_x509_crt_free(&cert_);
	mbedtls_x509_crt_free(&ca_);
	mbedtls_ctr_drbg_free(&drbg_);
	mbedtls_entropy_free(&entropy_);
}

long TlsClient::raw_send(const char *p, size_t n)
{
	const int rc = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char *>(p), n);
	return rc > 0 ? rc : -1;
}

long TlsClient::raw_recv(char *p, size_t n)
{
	const int rc = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char *>(p), n);
	if (rc > 0)
		return rc;
	if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
		errno = EAGAIN;
		return -1;
	}
	if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF)
		return 0;
	errno = ECONNRESET;
	return -1;
}

std::unique_ptr<Client> connect_tls(uint16_t port, const TlsClientOptions &o)
{
	auto plain = connect_tcp(port);
	auto tls = std::make_unique<TlsClient>();
	if (!plain->connected())
		return tls;
	if (!tls->open(plain->release_fd(), o))
		return std::make_unique<TlsClient>(); // not connected; `tls` closes the fd
	return tls;
}

std::string get_request(const std::string &path, const std::string &token, const std::string &extra)
{
	std::string r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	if (!token.empty())
		r += "Authorization: Bearer " + token + "\r\n";
	return r + extra + "\r\n";
}

std::string post_request(const std::string &path, const std::string &token)
{
	return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
	       "\r\nContent-Length: 0\r\n\r\n";
}

bool running_emulated()
{
	return std::getenv("HOTDESK_EMULATED") != nullptr;
}

bool openssl_cli_available()
{
	const char *path = std::getenv("PATH");
	std::string dirs = path ? path : "/usr/bin:/bin";
	for (size_t start = 0; start <= dirs.size();) {
		size_t colon = dirs.find(':', start);
		if (colon == std::string::npos)
			colon = dirs.size();
		const std::string dir = dirs.substr(start, colon - start);
		if (!dir.empty() && ::access((dir + "/openssl").c_str(), X_OK) == 0)
			return true;
		start = colon + 1;
	}
	return false;
}

const Pki &test_pki()
{
	static PkiOwner owner;
	return owner.pki;
}

std::string temp_dir()
{
	const char *base = std::getenv("TMPDIR");
	std::string tmpl = std::string(base && *base ? base : "/tmp") + "/hotdesk-status-XXXXXX";
	if (!mkdtemp(tmpl.data()))
		throw std::runtime_error("mkdtemp failed");
	return tmpl;
}

void remove_tree(const std::string &dir)
{
	if (dir.find("/hotdesk-status-") == std::string::npos) // never anything else
		return;
	// Best effort and never throwing: called from destructors.
	(void)std::system(("rm -rf '" + dir + "'").c_str());
}

FakeHandler::FakeHandler()
{
	snap.device_id = "02:00:00:00:00:01";
	snap.pool_ext = "HD0001";
	snap.state = "logged-in";
	snap.user_ext = "100";
	snap.user_name = "Alice <Example> & \"Co\"";
	snap.since_iso = "2024-05-01T10:00:00Z";
	snap.registration = "registered";
	snap.version = "0.1.0";
	snap.uptime_s = 42;
	snap.seq = 7;
}

Status FakeHandler::logout(const std::string &ext)
{
	++logouts;
	logout_exts.push_back(ext);
	if (refuse)
		return make_error("agent", "nobody is logged in");
	return Ok{};
}

Status FakeHandler::resync()
{
	++resyncs;
	return Ok{};
}

} // namespace hotdesk::test
