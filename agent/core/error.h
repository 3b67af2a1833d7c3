// SPDX-License-Identifier: BSD-3-Clause
// One error type for the whole agent, and an expected-style return.
// Exceptions are only used at the edges (main); core code returns Expected<T>.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hotdesk
{

struct Error {
	std::string where; // component or input that failed, e.g. "config:pool_ext"
	std::string what;  // human-readable reason, never containing a secret

	std::string str() const { return where.empty() ? what : where + ": " + what; }
};

template <class T> class Expected
{
public:
	Expected(T value) : v_(std::move(value)) {}
	Expected(Error err) : v_(std::move(err)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }
	T &value() { return std::get<0>(v_); }
	const T &value() const { return std::get<0>(v_); }
	T &operator*() { return value(); }
	const T &operator*() const { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	const Error &error() const { return std::get<1>(v_); }

private:
	std::variant<T, Error> v_;
};

struct Ok {
};
using Status = Expected<Ok>;

inline Error make_error(std::string where, std::string what)
{
	return Error{std::move(where), std::move(what)};
}

} // namespace hotdesk
