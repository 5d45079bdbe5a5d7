#include "io/pickle_guard.h"

#include "core/regular_file.h"

#include <unistd.h>

#include <fmt/format.h>

namespace sinkscope {

bool looksLikePickle(const std::string& path) {
    // Not a regular file: not a pickle either; the open that follows says what it is instead.
    auto file = RegularFile::open(path, kWeightFile);
    if (!file) return false;
    unsigned char b[4] = {0, 0, 0, 0};
    const ssize_t n = ::pread(file->fd(), b, 4, 0);
    if (n < 2) return false;
    // Pickle protocol 2..5 starts with PROTO (0x80) and the version; torch.save >= 1.6 writes a zip.
    if (b[0] == 0x80 && b[1] >= 2 && b[1] <= 5) return true;
    return n == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

Error pickleRefusal(const std::string& path) {
    return Error{fmt::format(
        "{}: this is a PyTorch pickle checkpoint. SinkScope never unpickles model files, because loading a "
        "pickle can run arbitrary code. Convert it to safetensors first, e.g. in Python: "
        "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)",
        path)};
}

} // namespace sinkscope
