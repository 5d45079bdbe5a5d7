#include "array_files.h"

#include "core/atomic_file.h"

#include <bit>
#include <fmt/format.h>
#include <iterator>

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
    auto out = AtomicFile::create(path);
    if (!out) return out.error();
    const auto len = static_cast<std::uint16_t>(header.size());
    const char prefixBytes[10] = {'\x93',
                                  'N',
                                  'U',
                                  'M',
                                  'P',
                                  'Y',
                                  '\x01',
                                  '\x00',
                                  static_cast<char>(len & 0xff),
                                  static_cast<char>(len >> 8)};
    if (auto s = out->write({prefixBytes, sizeof prefixBytes}); !s) return s;
    if (auto s = out->write(header); !s) return s;
    if (auto s = out->write({reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)});
        !s)
        return s;
    return out->commit();
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
    auto out = AtomicFile::create(path);
    if (!out) return out.error();
    std::string line = "query\\key";
    for (std::int64_t j = 0; j < cols; ++j)
        line += ',' + csvField(fmt::format("{}:{}", j, colLabels[static_cast<std::size_t>(j)]));
    line += "\r\n";
    if (auto s = out->write(line); !s) return s;
    for (std::int64_t i = 0; i < rows; ++i) {
        line = csvField(rowLabels[static_cast<std::size_t>(i)]);
        for (std::int64_t j = 0; j < cols; ++j)
            fmt::format_to(std::back_inserter(line), ",{:.9g}",
                           values[static_cast<std::size_t>(i * cols + j)]);
        line += "\r\n";
        if (auto s = out->write(line); !s) return s;
    }
    return out->commit();
}

} // namespace sinkscope::cli
