// JPEG through libjpeg-turbo with its default decoding (ISLOW DCT, fancy upsampling), which is
// what PIL 9.4's JpegDecode.c leaves in place, so the pixels match PIL's bit for bit. The mode
// follows the component count as in JpegImagePlugin.SOF: 1 greyscale, 3 RGB, 4 CMYK. CMYK data is
// read with Adobe's inverted polarity (JpegImagePlugin's rawmode "CMYK;I") and converted as
// Convert.c's cmyk2rgb does: nk = 255 - k, channel = nk - round(c * nk / 255).
//
// libjpeg reports errors through error_exit, which here longjmps back to the phase that called
// setjmp. Those functions hold no C++ objects with destructors; memory is owned by the caller.
#include "vision/decode_internal.h"

#include <cstdio> // jpeglib.h needs FILE and size_t declared first
#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <fmt/format.h>

namespace sinkscope::vision_detail {

namespace {

struct JpegState {
    jpeg_decompress_struct cinfo{};
    jpeg_error_mgr err{};
    std::jmp_buf jump{};
    bool created = false;
    bool truncated = false;
    char message[JMSG_LENGTH_MAX] = {};
};

JpegState* stateOf(j_common_ptr cinfo) {
    return static_cast<JpegState*>(cinfo->client_data);
}

[[noreturn]] void onError(j_common_ptr cinfo) {
    JpegState* s = stateOf(cinfo);
    (*cinfo->err->format_message)(cinfo, s->message);
    std::longjmp(s->jump, 1);
}

// Warnings (corrupt data libjpeg can step over) are ignored as PIL ignores them, except the end
// of the data: PIL refuses a truncated file ("image file is truncated") rather than show the grey
// that libjpeg fills the missing rows with.
void onMessage(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        JpegState* s = stateOf(cinfo);
        s->truncated = true;
        std::snprintf(s->message, sizeof s->message, "the file ends before the image does");
        std::longjmp(s->jump, 1);
    }
}

void silent(j_common_ptr) {}

bool readHeader(JpegState* s, const unsigned char* data, unsigned long size) {
    if (setjmp(s->jump)) return false;
    jpeg_create_decompress(&s->cinfo);
    s->created = true;
    s->cinfo.client_data = s; // jpeg_create_decompress clears the struct
    jpeg_mem_src(&s->cinfo, data, size);
    jpeg_read_header(&s->cinfo, TRUE);
    return true;
}

bool readScanlines(JpegState* s, unsigned char* pixels, std::size_t rowBytes) {
    if (setjmp(s->jump)) return false;
    jpeg_start_decompress(&s->cinfo);
    while (s->cinfo.output_scanline < s->cinfo.output_height) {
        JSAMPROW row = pixels + s->cinfo.output_scanline * rowBytes;
        jpeg_read_scanlines(&s->cinfo, &row, 1);
    }
    // No jpeg_finish_decompress: what follows the last scanline (a missing EOI, trailing bytes)
    // does not change the pixels.
    return true;
}

struct JpegGuard {
    JpegState* s;
    ~JpegGuard() {
        if (s->created) jpeg_destroy_decompress(&s->cinfo);
    }
};

// Convert.c's MULDIV255: a * b / 255 rounded, in integers.
inline int mulDiv255(int a, int b) {
    const int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

} // namespace

Result<RgbImage> decodeJpeg(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
    JpegState s;
    s.cinfo.err = jpeg_std_error(&s.err);
    s.err.error_exit = onError;
    s.err.emit_message = onMessage;
    s.err.output_message = silent;
    s.cinfo.client_data = &s;
    JpegGuard guard{&s};
    auto failed = [&]() -> Error {
        return Error{fmt::format("{}: {} JPEG: {}", name, s.truncated ? "truncated" : "invalid", s.message)};
    };
    if (!readHeader(&s, reinterpret_cast<const unsigned char*>(bytes.data()),
                    static_cast<unsigned long>(bytes.size())))
        return failed();
    const long long width = s.cinfo.image_width;
    const long long height = s.cinfo.image_height;
    if (auto tooBig = checkImageSize(width, height, limits); !tooBig.empty())
        return Error{fmt::format("{}: {}", name, tooBig)};
    const int components = s.cinfo.num_components;
    if (components == 1)
        s.cinfo.out_color_space = JCS_GRAYSCALE;
    else if (components == 3)
        s.cinfo.out_color_space = JCS_RGB;
    else if (components == 4)
        s.cinfo.out_color_space = JCS_CMYK;
    else
        return Error{fmt::format("{}: unsupported JPEG with {} colour components (1, 3 or 4 expected)", name,
                                 components)};

    const std::size_t rowBytes = static_cast<std::size_t>(width) * static_cast<std::size_t>(components);
    std::vector<unsigned char> pixels(rowBytes * static_cast<std::size_t>(height));
    if (!readScanlines(&s, pixels.data(), rowBytes)) return failed();

    RgbImage out;
    out.width = static_cast<int>(width);
    out.height = static_cast<int>(height);
    if (components == 3) {
        out.rgb = std::move(pixels);
        return out;
    }
    const std::size_t count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    out.rgb.resize(count * 3);
    for (std::size_t i = 0; i < count; ++i) {
        if (components == 1) {
            out.rgb[i * 3] = out.rgb[i * 3 + 1] = out.rgb[i * 3 + 2] = pixels[i];
            continue;
        }
        const unsigned char* p = &pixels[i * 4];
        const int nk = p[3]; // 255 - (255 - k): the stored K is already inverted
        for (int c = 0; c < 3; ++c)
            out.rgb[i * 3 + c] = static_cast<std::uint8_t>(nk - mulDiv255(255 - p[c], nk));
    }
    return out;
}

} // namespace sinkscope::vision_detail
