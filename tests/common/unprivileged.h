#pragma once
// Running test code as the unprivileged user "nobody", for the checks that file permissions
// only make under a user they apply to (the tests run as root in CI, where they do not bite).
// Only root can switch users: callers skip when canSwitchToNobody() is false.
#include <cstdio>
#include <functional>
#include <grp.h>
#include <pwd.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace sinkscope::test {

inline const passwd* nobodyUser() {
    return getpwnam("nobody");
}

inline bool canSwitchToNobody() {
    return geteuid() == 0 && nobodyUser() != nullptr;
}

struct ChildResult {
    int code = -1;       // fn's return value, or -1 when the child did not exit normally
    std::string message; // what fn wrote into its message
};

// Runs fn in a forked child as nobody. fn returns an exit code (0: as expected) and may leave a
// message for the failure report. The child never returns into the test framework.
inline ChildResult runAsNobody(const std::function<int(std::string& message)>& fn) {
    const passwd* pw = nobodyUser();
    int fds[2];
    if (!pw || pipe(fds) != 0) return {};
    const uid_t uid = pw->pw_uid;
    const gid_t gid = pw->pw_gid;
    const pid_t pid = fork();
    if (pid < 0) return {};
    if (pid == 0) {
        close(fds[0]);
        if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(100);
        std::string message;
        const int code = fn(message);
        if (!message.empty() && write(fds[1], message.data(), message.size()) < 0) _exit(101);
        _exit(code);
    }
    close(fds[1]);
    ChildResult r;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        r.message.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.code = WEXITSTATUS(status);
    return r;
}

// A shell prefix that runs a command as nobody (util-linux setpriv).
inline std::string asNobodyPrefix() {
    return "setpriv --reuid=nobody --regid=nogroup --clear-groups ";
}

} // namespace sinkscope::test
