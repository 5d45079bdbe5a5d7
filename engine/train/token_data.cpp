#include "train/token_data.h"
#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "core/read_file.h"

#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <random>

namespace sinkscope {

Result<TokenIds> encodeTextFile(const std::string& path, const Tokenizer& tokenizer,
                                const std::function<void(std::size_t, std::size_t)>& progress) {
    auto read = readWholeFile(path, kTextFile);
    if (!read) return read.error();
    const std::string& text = *read;
    TokenIds out;
    std::size_t pos = 0, lastReport = 0;
    while (pos < text.size()) {
        std::size_t end = text.find("\n\n", pos);
        if (end == std::string::npos) end = text.size();
        std::string_view para(text.data() + pos, end - pos);
        // A separator line may share the paragraph with the text around it ("...\n<|endoftext|>\n...").
        for (std::size_t sep; (sep = para.find(kDocumentSeparator)) != std::string_view::npos;) {
            if (auto ids = tokenizer.encode(para.substr(0, sep), false); ids)
                out.insert(out.end(), ids->begin(), ids->end());
            else
                return Error{fmt::format("{}: at byte {}: {}", path, pos, ids.error().message)};
            if (tokenizer.eosId()) out.push_back(*tokenizer.eosId());
            para.remove_prefix(sep + kDocumentSeparator.size());
        }
        if (para.find_first_not_of(" \n\t\r") != std::string_view::npos) {
            auto ids = tokenizer.encode(para, false);
            if (!ids) return Error{fmt::format("{}: at byte {}: {}", path, pos, ids.error().message)};
            out.insert(out.end(), ids->begin(), ids->end());
        }
        pos = end + 2;
        if (progress && pos - lastReport > (1u << 20)) {
            progress(std::min(pos, text.size()), text.size());
            lastReport = pos;
        }
    }
    if (out.empty()) return Error{fmt::format("{}: no text to train on", path)};
    return out;
}

Status saveTokenCache(const std::string& path, const TokenIds& ids) {
    auto out = AtomicFile::create(path);
    if (!out) return out.error();
    const std::uint64_t n = ids.size();
    if (auto s = out->write("SSTK"); !s) return s;
    if (auto s = out->write({reinterpret_cast<const char*>(&n), 8}); !s) return s;
    if (auto s = out->write({reinterpret_cast<const char*>(ids.data()), n * 4}); !s) return s;
    return out->commit();
}

Result<TokenIds> loadTokenCache(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    std::uint64_t n = 0;
    if (file->size() < 12 || std::memcmp(file->data(), "SSTK", 4) != 0)
        return Error{fmt::format("{}: not a token cache", path)};
    std::memcpy(&n, file->data() + 4, 8);
    // The count is checked against the bytes there before anything is allocated for it.
    if (n != (file->size() - 12) / 4 || (file->size() - 12) % 4 != 0)
        return Error{fmt::format("{}: says {} tokens but holds {} bytes of them: truncated token cache", path,
                                 n, file->size() - 12)};
    TokenIds ids(n);
    if (n > 0) std::memcpy(ids.data(), file->data() + 12, n * 4);
    return ids;
}

namespace {

void fillRow(Batch& b, int r, const TokenIds& stream, std::size_t offset, std::optional<std::int32_t> bos) {
    const auto cols = static_cast<std::size_t>(b.cols);
    std::int64_t* in = b.inputs.data() + static_cast<std::size_t>(r) * cols;
    std::int64_t* tg = b.targets.data() + static_cast<std::size_t>(r) * cols;
    if (bos) {
        in[0] = *bos;
        for (std::size_t i = 1; i < cols; ++i)
            in[i] = stream[offset + i - 1];
        for (std::size_t i = 0; i < cols; ++i)
            tg[i] = stream[offset + i];
    } else {
        for (std::size_t i = 0; i < cols; ++i) {
            in[i] = stream[offset + i];
            tg[i] = stream[offset + i + 1];
        }
    }
}

Batch emptyBatch(int rows, int cols) {
    Batch b;
    b.rows = rows;
    b.cols = cols;
    b.inputs.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    b.targets.resize(b.inputs.size());
    return b;
}

} // namespace

Batch trainingBatch(const TokenIds& stream, std::uint64_t seed, std::int64_t step, int rows, int cols,
                    std::optional<std::int32_t> bos) {
    Batch b = emptyBatch(rows, cols);
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                      static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32)};
    std::mt19937_64 rng(seq);
    const std::size_t span = static_cast<std::size_t>(cols) + 1;
    std::uniform_int_distribution<std::size_t> dist(0, stream.size() - span);
    for (int r = 0; r < rows; ++r)
        fillRow(b, r, stream, dist(rng), bos);
    return b;
}

Batch evenlySpacedBatch(const TokenIds& stream, int index, int count, int rows, int cols,
                        std::optional<std::int32_t> bos) {
    Batch b = emptyBatch(rows, cols);
    const std::size_t span = static_cast<std::size_t>(cols) + 1;
    const std::size_t usable = stream.size() - span;
    const std::size_t total = static_cast<std::size_t>(count) * static_cast<std::size_t>(rows);
    for (int r = 0; r < rows; ++r) {
        const std::size_t k =
            static_cast<std::size_t>(index) * static_cast<std::size_t>(rows) + static_cast<std::size_t>(r);
        fillRow(b, r, stream, usable * k / std::max<std::size_t>(1, total), bos);
    }
    return b;
}

} // namespace sinkscope
