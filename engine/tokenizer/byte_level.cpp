#include "tokenizer/byte_level.h"

#include "core/utf8.h"

#include <array>
#include <cstdint>

namespace sinkscope {

namespace {

// The 188 printable Latin-1 bytes map to themselves; the other 68 map to U+0100.. in byte order.
constexpr char32_t kLastMappedCodePoint = 0x100 + 67;

struct Tables {
    std::array<char32_t, 256> byteToCp{};
    std::array<std::int16_t, kLastMappedCodePoint + 1> cpToByte{};
    std::array<std::string, 256> byteToUtf8;
};

bool isPrintableAsIs(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

const Tables& tables() {
    static const Tables t = [] {
        Tables r;
        r.cpToByte.fill(-1);
        char32_t next = 0x100;
        for (int b = 0; b < 256; ++b) {
            const char32_t cp = isPrintableAsIs(b) ? static_cast<char32_t>(b) : next++;
            r.byteToCp[static_cast<std::size_t>(b)] = cp;
            r.cpToByte[cp] = static_cast<std::int16_t>(b);
            r.byteToUtf8[static_cast<std::size_t>(b)] = encodeUtf8(cp);
        }
        return r;
    }();
    return t;
}

} // namespace

std::string bytesToByteLevel(std::string_view bytes) {
    const Tables& t = tables();
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes)
        out += t.byteToUtf8[static_cast<unsigned char>(c)];
    return out;
}

std::optional<std::string> byteLevelToBytes(std::string_view piece) {
    const Tables& t = tables();
    std::string out;
    out.reserve(piece.size());
    std::size_t i = 0;
    while (i < piece.size()) {
        const char32_t cp = decodeUtf8(piece, i);
        if (cp > kLastMappedCodePoint || t.cpToByte[cp] < 0) return std::nullopt;
        out += static_cast<char>(t.cpToByte[cp]);
    }
    return out;
}

} // namespace sinkscope
