#pragma once
// Tests that point a reader at a FIFO: a regression would block forever in open() or read(), so
// the call runs on a thread, and if it has not returned after a few seconds the test fails and
// the FIFO is opened for writing and closed (giving the reader EOF) until the call comes back.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sinkscope::test {

// Creates a FIFO at path; false (and a test failure) when the file system cannot hold one.
inline bool makeFifo(const std::string& path) {
    if (::mkfifo(path.c_str(), 0600) == 0) return true;
    ADD_FAILURE() << "mkfifo " << path << " failed";
    return false;
}

template <typename F> auto returnsDespiteFifos(const std::vector<std::string>& fifos, F fn) {
    using namespace std::chrono_literals;
    auto done = std::async(std::launch::async, fn);
    if (done.wait_for(10s) == std::future_status::timeout) {
        ADD_FAILURE() << "still blocked on a FIFO (" << fifos.front() << ", ...) after 10 s";
        while (done.wait_for(50ms) == std::future_status::timeout) {
            for (const auto& fifo : fifos) {
                const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK); // succeeds once a reader waits
                if (fd >= 0) ::close(fd);
            }
        }
    }
    return done.get();
}

template <typename F> auto returnsDespiteFifo(const std::string& fifo, F fn) {
    return returnsDespiteFifos({fifo}, fn);
}

} // namespace sinkscope::test
