#pragma once
// A scratch directory removed at the end of a test, and helpers to write bytes into it.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace sinkscope::test {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        m_path = std::filesystem::temp_directory_path() /
                 ("sinkscope-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    std::string path(const std::string& rel = "") const {
        return rel.empty() ? m_path.string() : (m_path / rel).string();
    }
    std::string write(const std::string& rel, const std::string& bytes) const {
        const auto p = m_path / rel;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    }

private:
    std::filesystem::path m_path;
};

inline std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace sinkscope::test
