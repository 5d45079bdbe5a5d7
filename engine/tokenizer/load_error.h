#pragma once
// LoadError: the exception that loader internals throw so a helper deep in a parser can report the
// exact file, field and value. Every public entry point catches it (and any other exception) and
// returns an Error instead, so nothing escapes the library.
#include "core/result.h"

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace sinkscope {

class LoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

[[noreturn]] void throwLoadError(std::string message);

// The message for an exception caught at a public boundary: a LoadError already names its file;
// anything else (bad_alloc, a library's own exception) gets the file prepended.
std::string describeLoadFailure(const std::string& path, const std::exception& e);

// Runs fn (which may throw) and converts any exception into an Error that names path.
template <typename Fn> auto catchLoadErrors(const std::string& path, Fn&& fn) -> decltype(fn()) {
    try {
        return std::forward<Fn>(fn)();
    } catch (const std::exception& e) {
        return Error{describeLoadFailure(path, e)};
    } catch (...) {
        return Error{path + ": unexpected failure while loading"};
    }
}

} // namespace sinkscope
