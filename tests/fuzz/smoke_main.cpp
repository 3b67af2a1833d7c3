// SPDX-License-Identifier: BSD-3-Clause
// fuzz-smoke without libFuzzer (gcc builds): every corpus file goes through
// the target as is, then HOTDESK_FUZZ_MUTATIONS (default 20000) deterministic
// mutations of them: bit flips, truncations, byte insertions and splices.
// Brief and repeatable; the long run is libFuzzer (docs/reliability.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace
{

void run(const std::string &s)
{
	LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

std::string mutate(const std::vector<std::string> &seeds, uint64_t &x)
{
	auto next = [&x] { // xorshift64: the same sequence on every run
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		return x;
	};
	std::string s = seeds[next() % seeds.size()];
	const int edits = 1 + static_cast<int>(next() % 4);
	for (int e = 0; e < edits; ++e) {
		const size_t at = s.empty() ? 0 : next() % s.size();
		switch (next() % 5) {
		case 0:
			if (!s.empty())
				s[at] = static_cast<char>(s[at] ^ (1 << (next() % 8)));
			break;
		case 1:
			s.resize(at);
			break;
		case 2:
			s.insert(at, 1, static_cast<char>(next()));
			break;
		case 3:
			s.insert(at, seeds[next() % seeds.size()]);
			break;
		case 4:
			if (!s.empty())
				s.erase(at, 1 + next() % 8);
			break;
		}
	}
	return s;
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> seeds;
	for (int i = 1; i < argc; ++i)
		for (const auto &e : std::filesystem::directory_iterator(argv[i])) {
			if (!e.is_regular_file())
				continue;
			std::ifstream f(e.path(), std::ios::binary);
			seeds.emplace_back(std::istreambuf_iterator<char>(f),
			                   std::istreambuf_iterator<char>());
		}
	if (seeds.empty()) {
		std::fprintf(stderr, "no seed corpus\n");
		return 1;
	}
	for (const auto &s : seeds)
		run(s);
	const char *env = std::getenv("HOTDESK_FUZZ_MUTATIONS");
	const long n = env ? std::atol(env) : 20000;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (long i = 0; i < n; ++i)
		run(mutate(seeds, x));
	std::printf("%zu seeds, %ld mutations: no crash\n", seeds.size(), n);
	return 0;
}
