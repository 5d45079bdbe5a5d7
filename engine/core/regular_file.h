#pragma once
// Opens a path a user named for reading, but only when it is a regular file. A FIFO would block
// the open or the first read forever, a device such as /dev/zero never ends and a directory reads
// as nothing; all are refused with one line saying what the path is. The open itself does not
// block (O_NONBLOCK) and the type comes from fstat on the open descriptor, so a path swapped for a
// FIFO after some earlier check cannot hang the caller either.
#include "core/result.h"

#include <cstdint>
#include <string>

namespace sinkscope {

// What a file is read as, and the most bytes such a file may hold: a wrong path (a disk image,
// a log) must not be read into memory whole. Weights are mapped, not read, and have no limit.
struct FileKind {
    const char* name; // "a prompt file", for messages
    std::uint64_t maxBytes;
};
inline constexpr FileKind kWeightFile{"a weight file", UINT64_MAX};
// config.json, tokenizer_config.json, shard indexes, recipes, trainer state: kilobytes in practice.
inline constexpr FileKind kConfigFile{"a configuration file", 16ull << 20};
// tokenizer.json of 256k-token vocabularies is ~35 MB; SentencePiece models a few MB.
inline constexpr FileKind kTokenizerFile{"a tokenizer file", 128ull << 20};
inline constexpr FileKind kPromptFile{"a prompt file", 16ull << 20};
// Training timelines: a few hundred bytes per checkpoint.
inline constexpr FileKind kTimelineFile{"a timeline file", 256ull << 20};
// Training corpora and long texts for streaming perplexity.
inline constexpr FileKind kTextFile{"a text file", 2ull << 30};

class RegularFile {
public:
    // Errors: "PATH: cannot open: No such file or directory", "PATH: is a FIFO, not a regular file",
    // "PATH: is 10.2 GiB, more than the 16.0 MiB limit for a prompt file".
    static Result<RegularFile> open(const std::string& path, const FileKind& kind);

    RegularFile(RegularFile&& other) noexcept;
    RegularFile& operator=(RegularFile&& other) noexcept;
    RegularFile(const RegularFile&) = delete;
    RegularFile& operator=(const RegularFile&) = delete;
    ~RegularFile();

    int fd() const { return m_fd; }
    std::uint64_t size() const { return m_size; } // at the time of the open

private:
    RegularFile(int fd, std::uint64_t size) : m_fd(fd), m_size(size) {}
    int m_fd = -1;
    std::uint64_t m_size = 0;
};

// "a FIFO", "a directory", "a character device", ... for a st_mode.
const char* fileTypeName(unsigned mode);

} // namespace sinkscope
