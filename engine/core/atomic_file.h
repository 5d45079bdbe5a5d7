#pragma once
// AtomicFile: a file the user asked for (an export, a figure) written in full or not at all. The
// bytes go to a temporary file in the target's folder, which replaces the target (rename) only
// after every write, the fsync and the close succeeded; until then, and after any failure, the
// target is as it was (an existing file survives a full disk untouched) and the temporary file
// is removed. An existing target keeps its permissions, and is refused when this process may
// not write it. A target that exists and is not a regular file (/dev/stdout, a FIFO) is written
// directly, each write checked. Errors are one line naming the target and the system's reason.
#include "core/result.h"

#include <string>
#include <string_view>

namespace sinkscope {

class AtomicFile {
public:
    // Creates the temporary file (so a folder that cannot be written fails here).
    static Result<AtomicFile> create(const std::string& path);
    ~AtomicFile(); // an uncommitted file is abandoned: its temporary file is removed
    AtomicFile(AtomicFile&& o) noexcept;
    AtomicFile& operator=(AtomicFile&& o) noexcept;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Buffered; after the first failure every call returns that failure.
    Status write(std::string_view bytes);
    // Writes what is buffered, syncs, closes and renames over the target.
    Status commit();

private:
    AtomicFile() = default;
    Status flushBuffer();
    Error fail(const std::string& what, int err);
    void abandon();

    std::string m_path;   // the target, as the user named it
    std::string m_target; // the target with symbolic links resolved (what is replaced)
    std::string m_temp;   // empty when writing the target directly
    int m_fd = -1;
    std::string m_buffer;
    std::string m_failure; // the first error, repeated by later calls
};

// The whole file in one call.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

} // namespace sinkscope
