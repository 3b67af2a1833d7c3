// SPDX-License-Identifier: BSD-3-Clause
// Without libFuzzer (gcc builds): runs every file of the given corpus
// directories through the fuzz target once, so the seeds stay valid inputs
// and any crash they reproduce fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	size_t n = 0;
	for (int i = 1; i < argc; ++i) {
		for (const auto &e : std::filesystem::directory_iterator(argv[i])) {
			if (!e.is_regular_file())
				continue;
			std::ifstream f(e.path(), std::ios::binary);
			const std::string bytes((std::istreambuf_iterator<char>(f)),
			                        std::istreambuf_iterator<char>());
			LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
			                       bytes.size());
			++n;
		}
	}
	std::printf("replayed %zu inputs\n", n);
	return n ? 0 : 1;
}
