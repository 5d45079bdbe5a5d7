#pragma once
// A tiny tmpfs mounted on a test's folder, to see what writers do when the disk is full. Only
// root may mount (and a container may forbid it): callers skip when mounted() is false.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/mount.h>
#include <unistd.h>

namespace sinkscope::test {

class SmallDisk {
public:
    // Mounts a tmpfs of `bytes` on dir (created when absent).
    SmallDisk(const std::string& dir, std::size_t bytes) : m_dir(dir) {
        std::filesystem::create_directories(dir);
        const std::string options = "size=" + std::to_string(bytes) + ",mode=0777";
        m_mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0;
        if (!m_mounted) m_why = std::strerror(errno);
    }
    ~SmallDisk() {
        if (m_mounted) ::umount2(m_dir.c_str(), MNT_DETACH);
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    bool mounted() const { return m_mounted; }
    const std::string& why() const { return m_why; } // why mounting failed
    const std::string& dir() const { return m_dir; }

    // Takes every free byte with a file named "filler": the next write fails with ENOSPC.
    bool fill() const {
        const std::string path = m_dir + "/filler";
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) return false;
        char block[4096] = {};
        while (::write(fd, block, sizeof block) > 0) {
        }
        // tmpfs allocates whole pages: top off the last partial page byte by byte.
        while (::write(fd, block, 1) > 0) {
        }
        const bool full = errno == ENOSPC;
        ::close(fd);
        return full;
    }

private:
    std::string m_dir;
    bool m_mounted = false;
    std::string m_why;
};

} // namespace sinkscope::test
