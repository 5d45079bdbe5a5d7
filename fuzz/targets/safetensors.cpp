// Safetensors files: the header parse and validation (parseSafetensors, what SafetensorsFile::open
// runs on the mapped file), then every tensor's first and last byte read through its TensorRef.
// The input buffer is exactly the file, so a ref pointing outside it is an AddressSanitizer report.
#include "io/safetensors.h"
#include "fuzz_support.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome safetensors(const std::uint8_t* data, std::size_t size) {
    auto header = parseSafetensors(data, size, "model.safetensors");
    if (!header) return header.error().message;
    unsigned sum = 0;
    for (const TensorRef& t : header->tensors) {
        if (t.nbytes > 0) sum += t.data[0] + t.data[t.nbytes - 1];
        (void)t.numel();
        (void)shapeToString(t.shape);
    }
    volatile unsigned sink = sum;
    (void)sink;
    return std::nullopt;
}

} // namespace sinkscope::fuzz
