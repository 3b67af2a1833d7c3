// SPDX-License-Identifier: BSD-3-Clause
// The display's language (issue 17): the selection rules (core/language.h)
// with a fake catalog, the session following the occupant's language, the
// placeholders, plural forms in English (no catalog) and German (glibc
// gettext over the catalog the build made from po/de.po), and the ASCII
// transliteration of boards whose display takes only ASCII.
#include <doctest/doctest.h>

#include "agent/core/board.h"
#include "agent/core/call_history.h"
#include "agent/core/i18n.h"
#include "agent/core/language.h"
#include "agent/core/log.h"
#include "agent/core/mwi.h"
#include "agent/core/session.h"
#include "agent/ui/display_language.h"
#include "platform/display/text_layout.h"
#include "platform/i18n/gettext_catalog.h"
#include "platform/i18n/transliterate.h"
#include "platform/keys/host/host_key_source.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

using namespace hotdesk;

namespace
{

// Languages as tables: {lang: {key: text}}; a key is the msgid, context
// EOT msgid, or msgid + "|0" / "|1" for the plural forms (n == 1 / else).
class FakeCatalog : public Catalog
{
public:
	using Table = std::map<std::string, std::string>;
	explicit FakeCatalog(std::map<std::string, Table> langs) : langs_(std::move(langs)) {}

	std::string text(const char *msgid) const override { return find(msgid, msgid); }
	std::string text_in(const char *context, const char *msgid) const override
	{
		return find(std::string(context) + '\x04' + msgid, msgid);
	}
	std::string plural(const char *one, const char *many, unsigned long n) const override
	{
		return find(std::string(one) + (n == 1 ? "|0" : "|1"), n == 1 ? one : many);
	}
	bool has_language(const std::string &code) const override
	{
		return code == "en" || langs_.count(code) > 0;
	}
	bool use_language(const std::string &code) override
	{
		if (!has_language(code))
			return false;
		lang_ = code;
		return true;
	}
	std::string language() const override { return lang_; }

private:
	std::string find(const std::string &key, const std::string &fallback) const
	{
		const auto l = langs_.find(lang_);
		if (l == langs_.end())
			return fallback;
		const auto t = l->second.find(key);
		return t == l->second.end() ? fallback : t->second;
	}
	std::map<std::string, Table> langs_;
	std::string lang_ = "en";
};

// Installs a catalog for one test, then puts the runner's back.
class CatalogForTest
{
public:
	explicit CatalogForTest(std::unique_ptr<Catalog> c) : old_(i18n_set_catalog(std::move(c)))
	{
	}
	~CatalogForTest() { i18n_set_catalog(std::move(old_)); }

private:
	std::unique_ptr<Catalog> old_;
};

class RecordingSink : public LogSink
{
public:
	explicit RecordingSink(std::vector<std::string> &lines) : lines_(lines) {}
	void write(LogLevel, const std::string &msg) override { lines_.push_back(msg); }

private:
	std::vector<std::string> &lines_;
};

class SinkForTest
{
public:
	explicit SinkForTest(std::vector<std::string> &lines)
	    : old_(log_set_sink(std::make_unique<RecordingSink>(lines))), old_level_(log_level())
	{
		log_set_level(LogLevel::Info);
	}
	~SinkForTest()
	{
		log_set_sink(std::move(old_));
		log_set_level(old_level_);
	}

private:
	std::unique_ptr<LogSink> old_;
	LogLevel old_level_;
};

// The German of the texts the session tests read (what po/de.po says).
FakeCatalog::Table german()
{
	return {{"Emergency calls only", "Nur Notrufe"},
	        {"Ready", "Bereit"},
	        {"PIN for %1$s: %2$s", "PIN für %1$s: %2$s"},
	        {"Emergency call %s", "Notruf %s"},
	        {"Logged out", "Abgemeldet"},
	        {"Welcome %s", "Willkommen %s"},
	        {"%u new voicemail|0", "%u neue Voicemail"},
	        {"%u new voicemail|1", "%u neue Voicemails"}};
}

// ---- a session whose display follows its occupant (as the Agent wires it) ----

class Ports : public SessionPorts
{
public:
	// The person's profile language, by extension (DeskOccupancy's profile).
	std::map<std::string, std::string> person_language;
	DisplayLanguage language;
	std::vector<std::string> dialled;
	bool swap_pending = false;

	void show(const std::vector<std::string> &) override {}
	void dial(const std::string &n) override { dialled.push_back(n); }
	void pbx_login(const std::string &, const std::string &) override {}
	void pbx_logout(const std::string &) override {}
	void swap_to(const Identity &, bool) override { swap_pending = true; }
	void start_timer(Timer, unsigned) override {}
	void stop_timer(Timer) override {}
	void log_info(const std::string &) override {}
	void log_bug(const std::string &msg) override { FAIL("session bug: " << msg); }
	void occupant_changed(const Identity &now) override
	{
		const auto it = person_language.find(now.ext);
		language.follow(!now.pool, it == person_language.end() ? "" : it->second);
	}
};

Identity pool_identity()
{
	Identity id;
	id.pool = true;
	id.ext = "HD0001";
	id.sip_user = "HD0001";
	id.domain = "127.0.0.1";
	return id;
}

Identity person(const std::string &ext, const std::string &name)
{
	Identity id;
	id.pool = false;
	id.ext = ext;
	id.name = name;
	id.sip_user = ext;
	id.domain = "127.0.0.1";
	return id;
}

void press(Session &s, const std::string &line)
{
	auto keys = platform::parse_key_line(line);
	REQUIRE(keys);
	for (const Key &k : *keys)
		s.on_key(k);
}

std::string status(const Session &s)
{
	return s.display_lines().at(1);
}

void log_in(Session &s, Ports &p, const Identity &who)
{
	press(s, "*77*" + who.ext + "*1234#");
	LoginResult r;
	r.kind = LoginResult::Accepted;
	r.user = who;
	s.on_login_result(r);
	REQUIRE(p.swap_pending);
	p.swap_pending = false;
	s.on_swap_result(true, "");
	REQUIRE(s.logged_in());
}

// Where the build put the catalogs (po/CMakeLists.txt); on the emulated
// phone, where the image installed them.
std::string catalog_dir()
{
	struct stat st {
	};
	if (::stat(HOTDESK_TEST_LOCALEDIR "/de/LC_MESSAGES/hotdesk.mo", &st) == 0)
		return HOTDESK_TEST_LOCALEDIR;
	return HOTDESK_INSTALL_LOCALEDIR;
}

std::string joined(const std::vector<std::string> &lines)
{
	std::string out;
	for (const auto &l : lines)
		out += l + "\n";
	return out;
}

bool ascii_only(const std::string &s)
{
	for (char c : s)
		if (static_cast<unsigned char>(c) >= 0x80)
			return false;
	return true;
}

} // namespace

TEST_CASE("i18n: placeholders are filled in order, by position, and %% is a percent sign")
{
	CHECK(fill("Calling %s", {"101"}) == "Calling 101");
	CHECK(fill("PIN for %1$s: %2$s", {"100", "**"}) == "PIN for 100: **");
	CHECK(fill("%2$s für %1$s", {"100", "PIN"}) == "PIN für 100");
	CHECK(fill("Wrong PIN: wait %u s", {"5"}) == "Wrong PIN: wait 5 s");
	CHECK(fill("%d%% done", {"50"}) == "50% done");
	CHECK(fill("%s and %s", {"a"}) == "a and "); // a missing argument is left out
	CHECK(fill("100% sure %x", {"z"}) == "100% sure %x");
	CHECK(fill("trailing %", {}) == "trailing %");
}

TEST_CASE("i18n: without a catalog every text is its English source, plurals by n")
{
	CatalogForTest none(nullptr);
	CHECK(i18n_language() == "en");
	CHECK(i18n_has_language("en"));
	CHECK_FALSE(i18n_has_language("de"));
	CHECK(tr("Ready") == "Ready");
	CHECK(trc("softkey", "Hold") == "Hold");
	MwiSummary m;
	m.new_msgs = 1;
	CHECK(mwi_line(m) == "1 new voicemail");
	m.new_msgs = 2;
	CHECK(mwi_line(m) == "2 new voicemails");
	m.new_msgs = 0;
	m.waiting = true;
	CHECK(mwi_line(m) == "Voicemail waiting");
	CallHistory h;
	h.add(CallRecord{CallKind::Missed, "200", "", 0}, true);
	CHECK(h.idle_line() == "1 missed call");
	h.add(CallRecord{CallKind::Missed, "201", "", 0}, true);
	CHECK(h.idle_line() == "2 missed calls");
}

TEST_CASE("language: the names profiles use become language codes")
{
	const std::pair<const char *, const char *> cases[] = {
	    {"de", "de"},
	    {"DE", "de"},
	    {"de_DE", "de"},
	    {"de-AT", "de"},
	    {"de_DE.UTF-8", "de"},
	    {"de_DE@euro", "de"},
	    {"Deutsch", "de"},
	    {"German", "de"},
	    {" english ", "en"},
	    {"English(UK)", "en"},
	    {"Fran\xc3\xa7"
	     "ais",
	     "fr"},
	    {"en", "en"},
	    {"", ""},
	    {"C", ""},
	    {"C.UTF-8", ""},
	    {"POSIX", ""},
	    {"Klingon", "klingon"},
	};
	for (const auto &[name, code] : cases) {
		CAPTURE(name);
		CHECK(language_code(name) == code);
	}
}

TEST_CASE("language: which language the display speaks")
{
	auto only_de = [](const std::string &c) { return c == "de"; };
	struct Case {
		bool logged_in;
		const char *person, *device, *want;
		size_t notes;
	};
	const Case cases[] = {
	    // the pool identity: the device profile's
	    {false, "", "de", "de", 0},
	    {false, "en", "Deutsch", "de", 0}, // a person's language is not the pool's
	    {false, "", "en", "en", 0},
	    {false, "", "fr", "en", 1}, // no catalog: English, logged
	    {false, "", "", "en", 1},   // none named: English, logged
	    // a person: their profile's
	    {true, "en", "de", "en", 0},
	    {true, "de_DE", "en", "de", 0},
	    {true, "", "de", "de", 1},   // none named: the device's, logged
	    {true, "fr", "de", "de", 1}, // no catalog: the device's, logged
	    {true, "fr", "it", "en", 2}, // neither: English, both logged
	    {true, "", "", "en", 2},
	};
	for (const auto &c : cases) {
		CAPTURE(c.logged_in);
		CAPTURE(c.person);
		CAPTURE(c.device);
		const LanguageChoice got =
		    choose_language(c.logged_in, c.person, c.device, only_de);
		CHECK(got.code == c.want);
		CHECK(got.notes.size() == c.notes);
	}
}

TEST_CASE("language: the pool speaks the device's language, a person theirs, logout the "
          "device's again; emergency messages in both")
{
	std::vector<std::string> log;
	SinkForTest sink(log);
	CatalogForTest cat(std::make_unique<FakeCatalog>(
	    std::map<std::string, FakeCatalog::Table>{{"de", german()}}));
	Ports p;
	p.person_language["100"] = "en";
	Session s(DialPlan{}, pool_identity(), p);
	p.language.set_device("de");
	p.language.refresh();

	CHECK(status(s) == "Nur Notrufe");
	press(s, "112");
	CHECK(status(s) == "Notruf 112");
	CHECK(p.dialled == std::vector<std::string>{"112"});
	press(s, "{cancel}");
	press(s, "*77*100*12");
	CHECK(status(s) == "PIN für 100: **");
	press(s, "{cancel}");

	log_in(s, p, person("100", "Alice"));
	CHECK(i18n_language() == "en");
	CHECK(status(s) == "Welcome Alice"); // said after the switch
	s.on_timer(Timer::Message);
	CHECK(status(s) == "Ready");
	press(s, "112");
	CHECK(status(s) == "Emergency call 112");

	press(s, "*77*5*");
	REQUIRE(p.swap_pending);
	s.on_swap_result(true, "");
	CHECK(i18n_language() == "de");
	CHECK(status(s) == "Abgemeldet");
	s.on_timer(Timer::Message);
	CHECK(status(s) == "Nur Notrufe");
	CHECK(joined(log) == "display language: de\ndisplay language: en\ndisplay language: de\n");
}

TEST_CASE("language: a person without a language, or one without a catalog, gets the "
          "device's, logged once")
{
	std::vector<std::string> log;
	SinkForTest sink(log);
	CatalogForTest cat(std::make_unique<FakeCatalog>(
	    std::map<std::string, FakeCatalog::Table>{{"de", german()}}));
	Ports p;
	p.person_language["101"] = "fr";
	Session s(DialPlan{}, pool_identity(), p);
	p.language.set_device("German");
	p.language.refresh();
	log_in(s, p, person("101", "Bob"));
	CHECK(i18n_language() == "de");
	CHECK(status(s) == "Willkommen Bob");
	// A device profile re-check while Bob sits here changes nothing, logs nothing.
	p.language.set_device("German");
	CHECK_FALSE(p.language.refresh());
	CHECK(joined(log) == "display language: de\n"
	                     "display language: no catalog for the person's language 'fr': the "
	                     "device's (de)\n");

	// A device language without a catalog: English, with a line; never an error.
	log.clear();
	press(s, "*77*5*");
	s.on_swap_result(true, "");
	p.language.set_device("xx");
	CHECK(p.language.refresh());
	CHECK(i18n_language() == "en");
	s.on_timer(Timer::Message);
	CHECK(status(s) == "Emergency calls only");
	CHECK(joined(log) == "display language: no catalog for the device profile's language "
	                     "'xx': English\n"
	                     "display language: en\n");
}

TEST_CASE("i18n: German plural forms and texts from the built catalog, through glibc gettext")
{
	std::vector<std::string> notes;
	auto g = platform::GettextCatalog::open({catalog_dir()}, notes);
	INFO("notes: " << (notes.empty() ? "" : notes[0]));
	REQUIRE(g->working()); // C.UTF-8's LC_MESSAGES is there (docs/i18n.md)
	CHECK(notes.empty());
	CHECK(g->has_language("de"));
	CHECK(g->has_language("en"));
	CHECK_FALSE(g->has_language("fr"));
	CHECK_FALSE(g->has_language("../de")); // no path out of the catalog directory
	CatalogForTest cat(std::move(g));

	REQUIRE(i18n_use_language("de"));
	MwiSummary m;
	const std::pair<unsigned, const char *> voicemail[] = {
	    {0, ""}, {1, "1 neue Voicemail"}, {2, "2 neue Voicemails"}, {11, "11 neue Voicemails"}};
	for (const auto &[n, want] : voicemail) {
		m.new_msgs = n;
		CHECK(mwi_line(m) == want);
	}
	CHECK(trn("%u missed call", "%u missed calls", 1) == "1 verpasster Anruf");
	CHECK(trn("%u missed call", "%u missed calls", 3) == "3 verpasste Anrufe");
	CHECK(tr("Emergency calls only") == "Nur Notrufe");
	CHECK(trf("PIN for %1$s: %2$s", {"100", "***"}) == "PIN für 100: ***");
	CHECK(trc("softkey", "Hold") == "Halten");
	CHECK(trc("softkey", "Xfer") == "Überg"); // 5 characters, 6 bytes
	CHECK(platform::text_width(trc("softkey", "Xfer")) == 5);
	// libc's own messages (the log) stay English while the display is German.
	CHECK(std::string(std::strerror(ENOENT)) == "No such file or directory");
	// A text no catalog has stays English.
	CHECK(tr("not a text of ours") == "not a text of ours");

	// Back to English at once: glibc's cached German is not used again.
	REQUIRE(i18n_use_language("en"));
	m.new_msgs = 1;
	CHECK(mwi_line(m) == "1 new voicemail");
	m.new_msgs = 2;
	CHECK(mwi_line(m) == "2 new voicemails");
	CHECK(tr("Emergency calls only") == "Emergency calls only");
	CHECK_FALSE(i18n_use_language("fr"));
	CHECK(i18n_language() == "en");
}

TEST_CASE("display: an ASCII-only display gets glibc's transliteration and '...'")
{
	// What ASCII//TRANSLIT makes of German depends on the LC_CTYPE locale
	// the image has (measured, platform/i18n/transliterate.h).
	const std::map<std::string, std::string> by_locale = {
	    {"de_DE.UTF-8", "Groesse ueber AEpfel, Gespraech"},
	    {"C.UTF-8", "Grosse uber Apfel, Gesprach"},
	    {"C", "Gr?sse ?ber ?pfel, Gespr?ch"}};
	const std::string loc = platform::transliteration_locale("de");
	INFO("LC_CTYPE for de: " << loc);
	REQUIRE(by_locale.count(loc) == 1);
	CHECK(platform::to_ascii("Größe über Äpfel, Gespräch", "de") == by_locale.at(loc));
	CHECK(platform::to_ascii("Ready 112", "en") == "Ready 112");
	CHECK(ascii_only(platform::to_ascii("\xff broken \xc3 日本", "de")));

	// Widths in characters: "Übergabe an: 101" is 16 characters in 17 bytes.
	const std::string de = "Übergabe an: 101";
	CHECK(de.size() == 17);
	CHECK(platform::text_width(de) == 16);
	CHECK(platform::shorten(de, 16) == de);

	// An ASCII screen is shortened with "..." and has no other byte.
	const auto screen =
	    platform::layout_screen({platform::to_ascii("Abmeldung nach dem Gespräch", "de")}, 2,
	                            24, {}, platform::kEllipsisAscii);
	REQUIRE(screen.size() == 2);
	CHECK(screen[0].size() == 24);
	CHECK(screen[0].substr(21) == "...");
	CHECK(ascii_only(screen[0]));
}

TEST_CASE("board: display_charset says what the display takes")
{
	const std::string base = "name b\ndisplay host\n";
	auto utf8 = board_parse(base);
	REQUIRE(utf8);
	CHECK(utf8->display_charset == DisplayCharset::Utf8);
	auto ascii = board_parse(base + "display_charset ascii\n");
	REQUIRE(ascii);
	CHECK(ascii->display_charset == DisplayCharset::Ascii);
	auto bad = board_parse(base + "display_charset latin1\n", "boards/x/board.conf");
	REQUIRE_FALSE(bad);
	CHECK(bad.error().str().find("boards/x/board.conf:3") != std::string::npos);
	CHECK(bad.error().str().find("want utf-8 or ascii") != std::string::npos);
}
