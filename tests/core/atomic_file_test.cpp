#include "engine/core/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace ilab::core {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("ilab-atomic-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string read(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    std::size_t entries(const fs::path& folder) {
        return static_cast<std::size_t>(
            std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
    }
    fs::path dir_;
};

TEST_F(AtomicFileTest, ASymlinkIsWrittenThroughAndStaysALink) {
    fs::create_directories(dir_ / "reports");
    std::ofstream(dir_ / "reports" / "run.json") << "old";
    fs::create_symlink("reports/run.json", dir_ / "relative.json");
    fs::create_symlink(dir_ / "relative.json", dir_ / "chain.json");  // a link to a link
    std::string error;
    ASSERT_TRUE(writeFileAtomically(dir_ / "chain.json", "new", 0644, &error)) << error;
    EXPECT_TRUE(fs::is_symlink(dir_ / "chain.json"));
    EXPECT_TRUE(fs::is_symlink(dir_ / "relative.json"));
    EXPECT_EQ(read(dir_ / "reports" / "run.json"), "new");
    EXPECT_EQ(entries(dir_ / "reports"), 1u);  // the temporary file was beside the target
}

TEST_F(AtomicFileTest, ALinkToAFileNotYetWrittenCreatesIt) {
    fs::create_symlink("later.json", dir_ / "link.json");
    std::string error;
    ASSERT_TRUE(writeFileAtomically(dir_ / "link.json", "first", 0600, &error)) << error;
    EXPECT_TRUE(fs::is_symlink(dir_ / "link.json"));
    EXPECT_EQ(read(dir_ / "later.json"), "first");
}

TEST_F(AtomicFileTest, AFifoASocketAndAFolderAreRefusedAndLeftAlone) {
    const auto fifo = dir_ / "pipe.json";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto socket_path = dir_ / "lab.sock";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    fs::create_directories(dir_ / "folder");
    fs::create_symlink("pipe.json", dir_ / "to-pipe.json");

    std::string error;
    EXPECT_FALSE(writeFileAtomically(fifo, "x", 0644, &error));
    EXPECT_EQ(error, "\"" + fifo.string() +
                         "\" is a FIFO (named pipe), not a regular file: only a regular file is "
                         "replaced");
    EXPECT_FALSE(writeFileAtomically(dir_ / "to-pipe.json", "x", 0644, &error));
    EXPECT_NE(error.find("is a FIFO"), std::string::npos) << error;
    EXPECT_FALSE(writeFileAtomically(socket_path, "x", 0644, &error));
    EXPECT_NE(error.find("is a socket"), std::string::npos) << error;
    EXPECT_FALSE(writeFileAtomically(dir_ / "folder", "x", 0644, &error));
    EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
    ::close(fd);

    struct stat st {};
    ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    ASSERT_EQ(::lstat(socket_path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_TRUE(fs::is_symlink(dir_ / "to-pipe.json"));
    EXPECT_EQ(entries(dir_), 4u);  // no temporary file left
    EXPECT_TRUE(fs::is_empty(dir_ / "folder"));
}

TEST_F(AtomicFileTest, KeepExistingModeKeepsAReplacedFilesPermissions) {
    const auto secret = dir_ / "secret.yaml";
    std::ofstream(secret) << "old";
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_TRUE(writeFileAtomically(secret, "new", kKeepExistingMode));
    EXPECT_EQ(fs::status(secret).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(read(secret), "new");
    ASSERT_TRUE(writeFileAtomically(dir_ / "new.yaml", "x", kKeepExistingMode));
    EXPECT_EQ(fs::status(dir_ / "new.yaml").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                  fs::perms::others_read);
}

TEST_F(AtomicFileTest, ASymlinkLoopIsAnErrorNotAHang) {
    fs::create_symlink("b", dir_ / "a");
    fs::create_symlink("a", dir_ / "b");
    std::string error;
    EXPECT_FALSE(writeFileAtomically(dir_ / "a", "x", 0644, &error));
    EXPECT_NE(error.find("Too many levels of symbolic links"), std::string::npos) << error;
    EXPECT_TRUE(fs::is_symlink(dir_ / "a"));
}

TEST_F(AtomicFileTest, ReadWholeFileRefusesAFifoAtOnce) {
    const auto fifo = dir_ / "ca.key";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string contents, error;
    auto read =
        std::async(std::launch::async, [&] { return readWholeFile(fifo, contents, &error); });
    if (read.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // let it end
        if (writer >= 0) ::close(writer);
        FAIL() << "readWholeFile blocked on a FIFO";
    }
    EXPECT_FALSE(read.get());
    EXPECT_NE(error.find("is a FIFO"), std::string::npos) << error;
}

}  // namespace
}  // namespace ilab::core
