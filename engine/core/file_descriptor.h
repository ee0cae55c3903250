#pragma once
// A POSIX file descriptor closed on every path out of a scope: for code that must use open()
// flags the standard streams cannot pass (O_NONBLOCK, O_NOFOLLOW, O_EXCL).
#include <unistd.h>

namespace ilab::core {

class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Hands the descriptor over: it is no longer closed here.
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

  private:
    int fd_;
};

}  // namespace ilab::core
