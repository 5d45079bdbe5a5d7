#pragma once
// Reference arrays written by NumPy (np.save), read plain (.npy) or gzipped (.npy.gz, as
// tools/make_image_fixtures.py keeps its large references). Little-endian uint8 and float32
// arrays in C order only: what the fixtures hold.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinkscope::test {

struct NpyArray {
    std::string dtype; // "|u1" or "<f4"
    std::vector<std::int64_t> shape;
    std::vector<std::uint8_t> bytes;

    std::vector<float> floats() const {
        if (dtype != "<f4") throw std::runtime_error("npy: float32 expected, got " + dtype);
        std::vector<float> out(bytes.size() / sizeof(float));
        std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
        return out;
    }
};

inline NpyArray loadNpy(const std::string& path) {
    // gzread reads plain files as they are, so one reader serves both.
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error(path + ": cannot open");
    std::string data;
    char chunk[1 << 16];
    int n = 0;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0)
        data.append(chunk, static_cast<std::size_t>(n));
    gzclose(f);
    if (n < 0 || data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0)
        throw std::runtime_error(path + ": not a .npy file");
    const bool v1 = data[6] == 1;
    const std::size_t headerLen =
        v1 ? (std::uint8_t(data[8]) | std::uint8_t(data[9]) << 8)
           : (std::uint8_t(data[8]) | std::uint8_t(data[9]) << 8 | std::uint8_t(data[10]) << 16);
    const std::size_t start = v1 ? 10 : 12;
    const std::string header = data.substr(start, headerLen);
    NpyArray a;
    const auto descr = header.find("'descr': '");
    if (descr == std::string::npos) throw std::runtime_error(path + ": no descr");
    a.dtype = header.substr(descr + 10, header.find('\'', descr + 10) - descr - 10);
    if (header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": Fortran order");
    std::size_t p = header.find('(', header.find("'shape'")) + 1;
    const std::size_t end = header.find(')', p);
    while (p < end) {
        const std::size_t comma = std::min(header.find(',', p), end);
        const std::string dim = header.substr(p, comma - p);
        if (dim.find_first_not_of(' ') != std::string::npos) a.shape.push_back(std::stoll(dim));
        p = comma + 1;
    }
    a.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(start + headerLen), data.end());
    return a;
}

} // namespace sinkscope::test
