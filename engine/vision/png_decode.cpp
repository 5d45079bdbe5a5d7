// PNG through libpng, converted as PIL 9.4 converts each PNG mode to RGB (PngImagePlugin's
// _MODES table, then Image.convert("RGB") in libImaging/Convert.c):
//   greyscale 1/2/4/8-bit  "1"/"L;2"/"L;4"/"L": scaled to 0..255 and repeated (libpng's
//                          expand_gray_1_2_4_to_8 scales the same way)
//   greyscale 16-bit       mode "I": Convert.c's i2rgb clips the value to 0..255, it does not scale
//   grey+alpha, RGB, RGBA  the alpha dropped; 16-bit samples keep their high byte ("RGB;16B")
//   palette                looked up in a 256-entry table that starts as a grey ramp (PIL's
//                          ImagingPaletteNew), so an index past the PLTE entries is grey, not black
// Transparency (tRNS) and gamma are ignored, as convert("RGB") ignores them.
//
// libpng reports errors by longjmp. The functions that call setjmp hold no C++ objects with
// destructors: they touch only the plain PngState, and all memory is owned by the caller's frame.
#include "vision/decode_internal.h"

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

namespace sinkscope::vision_detail {

namespace {

struct PngState {
    png_structp png = nullptr;
    png_infop info = nullptr;
    const unsigned char* data = nullptr;
    std::size_t size = 0;
    std::size_t pos = 0;
    bool truncated = false;
    char message[200] = {};
};

void onError(png_structp png, png_const_charp message) {
    auto* s = static_cast<PngState*>(png_get_error_ptr(png));
    std::snprintf(s->message, sizeof s->message, "%s", message);
    png_longjmp(png, 1);
}

// Warnings concern ancillary chunks (bad iCCP, sRGB, text); PIL decodes such files too.
void onWarning(png_structp, png_const_charp) {}

void onRead(png_structp png, png_bytep out, std::size_t n) {
    auto* s = static_cast<PngState*>(png_get_io_ptr(png));
    if (s->size - s->pos < n) {
        s->truncated = true;
        png_error(png, "the file ends before the image does");
    }
    std::memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

bool readHeader(PngState* s) {
    if (setjmp(png_jmpbuf(s->png))) return false;
    png_read_info(s->png, s->info);
    return true;
}

// The transforms that leave one byte per sample, no alpha, one palette index per byte; 16-bit
// greyscale stays 16-bit (clipped later, as PIL clips it).
bool setTransforms(PngState* s, int colorType, int depth) {
    if (setjmp(png_jmpbuf(s->png))) return false;
    if (colorType == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(s->png);
    if (colorType == PNG_COLOR_TYPE_PALETTE && depth < 8) png_set_packing(s->png);
    if (depth == 16 && colorType != PNG_COLOR_TYPE_GRAY) png_set_strip_16(s->png);
    if (colorType & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(s->png);
    png_set_interlace_handling(s->png);
    png_read_update_info(s->png, s->info);
    return true;
}

bool readRows(PngState* s, png_bytepp rows) {
    if (setjmp(png_jmpbuf(s->png))) return false;
    png_read_image(s->png, rows);
    return true;
}

// Frees libpng's structures however the decode ends.
struct PngGuard {
    PngState* s;
    ~PngGuard() { png_destroy_read_struct(&s->png, s->info ? &s->info : nullptr, nullptr); }
};

// IHDR is the first chunk (PNG spec 5.6): its size is checked here so that a zero or huge size is
// refused with the same message as from any format, where libpng would say "Invalid IHDR data".
std::string checkHeaderSize(std::string_view bytes, const DecodeLimits& limits) {
    if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR") return {};
    auto be32 = [&](std::size_t at) {
        long long v = 0;
        for (std::size_t i = 0; i < 4; ++i)
            v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
        return v;
    };
    return checkImageSize(be32(16), be32(20), limits);
}

} // namespace

Result<RgbImage> decodePng(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
    if (auto bad = checkHeaderSize(bytes, limits); !bad.empty())
        return Error{fmt::format("{}: {}", name, bad)};
    PngState s;
    s.data = reinterpret_cast<const unsigned char*>(bytes.data());
    s.size = bytes.size();
    s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, onError, onWarning);
    if (s.png == nullptr) return Error{name + ": cannot start the PNG decoder (out of memory)"};
    PngGuard guard{&s};
    s.info = png_create_info_struct(s.png);
    if (s.info == nullptr) return Error{name + ": cannot start the PNG decoder (out of memory)"};
    png_set_read_fn(s.png, &s, onRead);

    auto failed = [&]() -> Error {
        if (s.truncated) return Error{fmt::format("{}: truncated PNG: {}", name, s.message)};
        return Error{fmt::format("{}: invalid PNG: {}", name, s.message)};
    };
    if (!readHeader(&s)) return failed();
    const long long width = png_get_image_width(s.png, s.info);
    const long long height = png_get_image_height(s.png, s.info);
    if (auto tooBig = checkImageSize(width, height, limits); !tooBig.empty())
        return Error{fmt::format("{}: {}", name, tooBig)};
    const int colorType = png_get_color_type(s.png, s.info);
    const int depth = png_get_bit_depth(s.png, s.info);
    if (!setTransforms(&s, colorType, depth)) return failed();

    const int channels = png_get_channels(s.png, s.info);
    const std::size_t rowBytes = png_get_rowbytes(s.png, s.info);
    const bool grey16 = colorType == PNG_COLOR_TYPE_GRAY && depth == 16;
    const std::size_t expected = static_cast<std::size_t>(width) * (channels == 3 ? 3 : grey16 ? 2 : 1);
    if (rowBytes != expected || (channels != 1 && channels != 3))
        return Error{
            fmt::format("{}: unsupported PNG layout ({} channels of {} bits)", name, channels, depth)};

    RgbImage out;
    out.width = static_cast<int>(width);
    out.height = static_cast<int>(height);
    out.rgb.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    // RGB rows land in the output directly; other layouts go through a buffer and are expanded.
    std::vector<unsigned char> buffer(channels == 3 ? 0 : rowBytes * static_cast<std::size_t>(height));
    unsigned char* base = channels == 3 ? out.rgb.data() : buffer.data();
    std::vector<png_bytep> rows(static_cast<std::size_t>(height));
    for (std::size_t y = 0; y < rows.size(); ++y)
        rows[y] = base + y * rowBytes;
    if (!readRows(&s, rows.data())) return failed();
    if (channels == 3) return out;

    unsigned char table[256 * 3];
    for (int i = 0; i < 256; ++i)
        table[i * 3] = table[i * 3 + 1] = table[i * 3 + 2] = static_cast<unsigned char>(i);
    if (colorType == PNG_COLOR_TYPE_PALETTE) {
        png_colorp palette = nullptr;
        int entries = 0;
        if (png_get_PLTE(s.png, s.info, &palette, &entries) != 0) {
            for (int i = 0; i < std::min(entries, 256); ++i) {
                table[i * 3] = palette[i].red;
                table[i * 3 + 1] = palette[i].green;
                table[i * 3 + 2] = palette[i].blue;
            }
        }
    }
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    for (std::size_t i = 0; i < pixels; ++i) {
        // 16-bit greyscale samples are big-endian; PIL clips them to 255 rather than scaling.
        const unsigned v =
            grey16 ? std::min(255u, (unsigned{buffer[2 * i]} << 8) | buffer[2 * i + 1]) : buffer[i];
        std::memcpy(&out.rgb[i * 3], &table[v * 3], 3);
    }
    return out;
}

} // namespace sinkscope::vision_detail
