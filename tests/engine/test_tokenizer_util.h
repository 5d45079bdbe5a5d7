#pragma once
// Helpers for the tokenizer tests: a scratch directory for hand-made (often broken) files.
#include "core/result.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

namespace sinkscope::test {

class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sinkscope-tok-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    std::string dir() const { return m_path.string(); }
    std::string path(const std::string& name) const { return (m_path / name).string(); }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream out(path(name), std::ios::binary);
        out << content;
        return path(name);
    }

private:
    std::filesystem::path m_path;
};

inline std::string readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// A committed fixture file, parsed, ready to be bent into a broken or unusual variant.
inline nlohmann::json fixtureJson(const std::string& rel) {
    return nlohmann::json::parse(readWholeFile(dataPath("tokenizers/" + rel)));
}

// Checks that result failed with a message containing every one of parts.
template <typename T>
void expectErrorMentions(const Result<T>& result, std::initializer_list<std::string> parts) {
    ASSERT_FALSE(result.ok()) << "expected an error mentioning " << *parts.begin();
    for (const std::string& part : parts) {
        EXPECT_NE(result.error().message.find(part), std::string::npos)
            << "message: " << result.error().message << "\nmissing: " << part;
    }
}

} // namespace sinkscope::test
