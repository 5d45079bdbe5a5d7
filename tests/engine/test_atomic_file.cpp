// AtomicFile: what the user asked to write is written in full or not at all. A full disk (a
// 64 KiB tmpfs, root only) fails in one line naming the file and the reason, leaves an existing
// file as it was and no temporary file behind; so do devices that fail writes (/dev/full), and
// folders and files that cannot be written (as the unprivileged user nobody).
#include "core/atomic_file.h"
#include "small_disk.h"
#include "temp_dir.h"
#include "unprivileged.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> filesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST(AtomicFile, WritesAndReplacesKeepingPermissions) {
    TempDir dir;
    const auto path = dir.path("out.csv");
    ASSERT_TRUE(writeFileAtomically(path, "first\n").ok());
    EXPECT_EQ(readBytes(path), "first\n");
    ASSERT_EQ(chmod(path.c_str(), 0640), 0);
    auto f = AtomicFile::create(path);
    ASSERT_TRUE(f.ok()) << f.error().message;
    // More than the buffer in pieces: the file holds them in order.
    std::string expected;
    for (int i = 0; i < 3000; ++i) {
        const std::string piece(700, static_cast<char>('a' + i % 26));
        expected += piece;
        ASSERT_TRUE(f->write(piece).ok());
    }
    EXPECT_EQ(readBytes(path), "first\n") << "the target changes only at the commit";
    ASSERT_TRUE(f->commit().ok());
    EXPECT_TRUE(readBytes(path) == expected);
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    EXPECT_EQ(filesIn(dir.path()), std::vector<std::string>{"out.csv"});

    // Abandoned: the target stays, the temporary file goes.
    {
        auto g = AtomicFile::create(path);
        ASSERT_TRUE(g.ok());
        ASSERT_TRUE(g->write("never").ok());
    }
    EXPECT_TRUE(readBytes(path) == expected);
    EXPECT_EQ(filesIn(dir.path()), std::vector<std::string>{"out.csv"});

    // Through a symbolic link: the file it points to is replaced, the link stays a link.
    fs::create_symlink(path, dir.path("link.csv"));
    ASSERT_TRUE(writeFileAtomically(dir.path("link.csv"), "via link").ok());
    EXPECT_TRUE(fs::is_symlink(dir.path("link.csv")));
    EXPECT_EQ(readBytes(path), "via link");
}

TEST(AtomicFile, FullDiskKeepsTheOldFileAndSaysWhy) {
    TempDir dir;
    SmallDisk disk(dir.path("small"), 64 * 1024);
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs: " << disk.why();
    const auto old = disk.dir() + "/old.npy";
    ASSERT_TRUE(writeFileAtomically(old, "the previous export").ok());
    ASSERT_TRUE(disk.fill());
    const std::string small(3000, 'x');            // stays in the buffer until the commit
    const std::string large(3 * 1024 * 1024, 'y'); // written as it comes
    for (const auto* bytes : {&small, &large}) {
        for (const auto& path : {old, disk.dir() + "/new.npy"}) {
            auto s = writeFileAtomically(path, *bytes);
            ASSERT_FALSE(s.ok()) << path;
            EXPECT_EQ(s.error().message, path + ": cannot write the file (No space left on device)");
        }
        EXPECT_EQ(readBytes(old), "the previous export");
        EXPECT_EQ(filesIn(disk.dir()), (std::vector<std::string>{"filler", "old.npy"}));
    }
}

TEST(AtomicFile, DeviceThatFailsWritesIsAnError) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    auto s = writeFileAtomically("/dev/full", "anything");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "/dev/full: cannot write the file (No space left on device)");
    EXPECT_TRUE(writeFileAtomically("/dev/null", "anything").ok()) << "devices are written in place";
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(AtomicFile, WhatCannotBeWrittenIsAnError) {
    TempDir dir;
    const auto path = dir.path("out.png");
    auto s = writeFileAtomically(dir.path("missing/out.png"), "x");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message,
              dir.path("missing/out.png") + ": cannot create the file (No such file or directory)");
    if (!canSwitchToNobody()) GTEST_SKIP() << "needs root to run as nobody";
    ASSERT_TRUE(writeFileAtomically(path, "old").ok());
    ASSERT_EQ(chmod(path.c_str(), 0666), 0);
    auto r = runAsNobody([&](std::string& m) {
        auto w = writeFileAtomically(path, "new");
        if (w) return 1;
        m = w.error().message;
        return 0;
    });
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.message, path + ": cannot create the file (Permission denied)");
    EXPECT_EQ(readBytes(path), "old");

    // In a folder it may write, a file it may not write is not replaced either.
    ASSERT_EQ(chmod(dir.path().c_str(), 0777), 0);
    ASSERT_EQ(chmod(path.c_str(), 0444), 0);
    r = runAsNobody([&](std::string& m) {
        auto w = writeFileAtomically(path, "new");
        if (w) return 1;
        m = w.error().message;
        return 0;
    });
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.message, path + ": cannot write the file (Permission denied)");
    EXPECT_EQ(readBytes(path), "old");
    EXPECT_EQ(filesIn(dir.path()), std::vector<std::string>{"out.png"});
}
