#include "array_files.h"

#include <bit>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

namespace sinkscope::cli {

Status writeNpyFloat32(const std::string& path, const std::vector<float>& values, std::int64_t rows,
                       std::int64_t cols) {
    static_assert(std::endian::native == std::endian::little, "the header says little-endian '<f4'");
    // Format 1.0: magic, version, header length (uint16), header dict padded with spaces and a
    // newline so that the data start at a multiple of 64 bytes.
    std::string header =
        fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
    const std::size_t prefix = 10;
    header.append(64 - (prefix + header.size() + 1) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    if (!out) return Error{fmt::format("{}: cannot open for writing", path)};
    out.write("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(header.size());
    const char lenBytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(lenBytes, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(values.data()),
              static_cast<std::streamsize>(values.size() * sizeof(float)));
    if (!out.flush()) return Error{fmt::format("{}: write failed", path)};
    return okStatus();
}

namespace {

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos && !s.empty() && s.front() != ' ' && s.back() != ' ')
        return s;
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

} // namespace

Status writeCsvMatrix(const std::string& path, const std::vector<float>& values, std::int64_t rows,
                      std::int64_t cols, const std::vector<std::string>& rowLabels,
                      const std::vector<std::string>& colLabels) {
    std::ofstream out(path, std::ios::binary);
    if (!out) return Error{fmt::format("{}: cannot open for writing", path)};
    out << "query\\key";
    for (std::int64_t j = 0; j < cols; ++j)
        out << ',' << csvField(fmt::format("{}:{}", j, colLabels[static_cast<std::size_t>(j)]));
    out << "\r\n";
    for (std::int64_t i = 0; i < rows; ++i) {
        out << csvField(rowLabels[static_cast<std::size_t>(i)]);
        for (std::int64_t j = 0; j < cols; ++j)
            out << ',' << fmt::format("{:.9g}", values[static_cast<std::size_t>(i * cols + j)]);
        out << "\r\n";
    }
    if (!out.flush()) return Error{fmt::format("{}: write failed", path)};
    return okStatus();
}

} // namespace sinkscope::cli
