#include "engine/core/input_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <streambuf>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace ilab::core {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class InputFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("ilab-input-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
        return dir_ / name;
    }
    fs::path dir_;
};

// A stream that never ends, as `yes |` or /dev/zero on standard input.
class EndlessBuffer : public std::streambuf {
  public:
    EndlessBuffer() { setg(chunk_, chunk_, chunk_ + sizeof chunk_); }

  protected:
    int_type underflow() override {
        setg(chunk_, chunk_, chunk_ + sizeof chunk_);
        return traits_type::to_int_type(chunk_[0]);
    }

  private:
    char chunk_[4096] = {'y'};
};

TEST_F(InputFileTest, ReadsARegularFileWholeAlsoThroughASymlink) {
    const auto file = write("a.yaml", "kind: Service\n");
    fs::create_symlink(file, dir_ / "link.yaml");
    for (const auto& path : {file, dir_ / "link.yaml"}) {
        const InputText r = readInputFile(path);
        ASSERT_TRUE(r.ok()) << r.message;
        EXPECT_EQ(r.text, "kind: Service\n");
    }
    const InputText empty = readInputFile(write("empty.yaml", ""));
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty.text, "");
}

TEST_F(InputFileTest, AFifoIsRefusedWithoutWaitingForAWriter) {
    const auto fifo = dir_ / "pipe.yaml";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto read = std::async(std::launch::async, [&] { return readInputFile(fifo); });
    if (read.wait_for(5s) != std::future_status::ready) {
        // A regression: the reader waits in open(). Be its writer so it ends, then fail.
        const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0) ::close(writer);
        FAIL() << "readInputFile blocked on a FIFO";
    }
    const InputText r = read.get();
    EXPECT_EQ(r.error, InputError::NotRegular);
    EXPECT_EQ(r.message, "\"" + fifo.string() + "\" is a FIFO (named pipe), not a regular file");
    EXPECT_FALSE(r.hint.empty());
}

TEST_F(InputFileTest, DirectoriesDevicesAndSocketsAreRefusedByWhatTheyAre) {
    EXPECT_EQ(readInputFile(dir_).message,
              "\"" + dir_.string() + "\" is a directory, not a regular file");
    // Refused from stat() alone: a device is never opened.
    EXPECT_EQ(readInputFile("/dev/zero").message,
              "\"/dev/zero\" is a character device, not a regular file");
    EXPECT_EQ(readInputFile("/dev/null").error, InputError::NotRegular);
    const auto socket_path = dir_ / "lab.sock";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(readInputFile(socket_path).message,
              "\"" + socket_path.string() + "\" is a socket, not a regular file");
    ::close(fd);
}

TEST_F(InputFileTest, MissingAndUnreadableFilesSayWhich) {
    const InputText missing = readInputFile(dir_ / "nope.yaml");
    EXPECT_EQ(missing.error, InputError::Missing);
    EXPECT_EQ(missing.message, "\"" + (dir_ / "nope.yaml").string() + "\" does not exist");
    // stat() says a regular file of size 0; read() fails with EIO: an error, not an exception.
    const InputText mem = readInputFile("/proc/self/mem");
    EXPECT_EQ(mem.error, InputError::Unreadable);
    EXPECT_EQ(mem.message, "cannot read \"/proc/self/mem\": Input/output error");
}

TEST_F(InputFileTest, FilesThatSayTheyAreEmptyAreStillReadWhole) {
    // /proc files report size 0; their content is read up to the cap all the same.
    const InputText status = readInputFile("/proc/self/status");
    ASSERT_TRUE(status.ok()) << status.message;
    EXPECT_NE(status.text.find("Name:"), std::string::npos);
}

TEST_F(InputFileTest, TheCapIsInclusiveAndSaidInTheMessage) {
    const auto at_cap = write("at.yaml", std::string(1024, 'x'));
    const auto over_cap = write("over.yaml", std::string(1025, 'x'));
    EXPECT_TRUE(readInputFile(at_cap, 1024).ok());
    const InputText over = readInputFile(over_cap, 1024);
    EXPECT_EQ(over.error, InputError::TooLarge);
    EXPECT_EQ(over.message, "\"" + over_cap.string() + "\" is over the 1 KiB limit for one input");
    EXPECT_TRUE(over.text.empty());
    EXPECT_EQ(readInputFile(over_cap).text.size(), 1025u);  // the default cap: 16 MiB
}

TEST_F(InputFileTest, AStreamIsReadToItsEndOrStoppedAtTheCap) {
    std::istringstream small("kind: Service\n");
    const InputText r = readInputStream(small, "standard input");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.text, "kind: Service\n");

    EndlessBuffer endless;
    std::istream in(&endless);
    const InputText capped = readInputStream(in, "standard input", 1024 * 1024);
    EXPECT_EQ(capped.error, InputError::TooLarge);
    EXPECT_EQ(capped.message, "standard input is over the 1 MiB limit for one input");
    EXPECT_TRUE(capped.text.empty());
}

TEST_F(InputFileTest, FailuresBecomeErrorsWithStableCodes) {
    Diagnostics d;
    const auto where = SourceLocation{std::make_shared<const std::string>("pipe.yaml"), 0, 0};
    addInputError(d, readInputFile("/dev/null"), where);
    addInputError(d, readInputFile(dir_ / "nope.yaml"), where);
    addInputError(d, readInputFile(dir_ / "nope.yaml"), where, "ILAB-SCENARIO-001");
    addInputError(d, readInputFile(write("big.yaml", "xx"), 1), where);
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d.items()[0].code, "ILAB-INPUT-002");
    EXPECT_EQ(d.items()[1].code, "ILAB-INPUT-001");
    EXPECT_EQ(d.items()[2].code, "ILAB-SCENARIO-001");
    EXPECT_EQ(d.items()[3].code, "ILAB-INPUT-003");
    EXPECT_EQ(d.items()[0].severity, Severity::Error);
    EXPECT_EQ(d.items()[0].location.str(), "pipe.yaml");
}

TEST(ByteLimitTest, LimitsAreWrittenInTheirLargestWholeUnit) {
    EXPECT_EQ(formatByteLimit(16 * 1024 * 1024), "16 MiB");
    EXPECT_EQ(formatByteLimit(64 * 1024), "64 KiB");
    EXPECT_EQ(formatByteLimit(1000), "1000 bytes");
    EXPECT_EQ(formatByteLimit(1), "1 byte");
}

}  // namespace
}  // namespace ilab::core
