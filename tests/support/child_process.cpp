#include "tests/support/child_process.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ilab::testing {
namespace {

void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options) {
    // Everything the child needs is built before fork(): after it, only exec-safe calls.
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        env.emplace_back(*e);
    for (const auto& extra : options.environment) {
        const auto name = extra.substr(0, extra.find('=') + 1);
        std::erase_if(env, [&](const std::string& e) { return e.starts_with(name); });
        env.push_back(extra);
    }
    std::vector<char*> args, envp;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return;
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return;
    }
    const int in_fd = ::open(options.stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
    started_ = std::chrono::steady_clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
        if (in_fd < 0) ::_exit(126);
        ::dup2(in_fd, STDIN_FILENO);
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        // The test binary may block signals (serve does, in-process); the child starts clean.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    if (in_fd >= 0) ::close(in_fd);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    if (pid_ < 0) {
        closeFd(out_fd_);
        closeFd(err_fd_);
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    closeFd(out_fd_);
    closeFd(err_fd_);
}

bool ChildProcess::pump(std::chrono::steady_clock::time_point until) {
    if (out_fd_ < 0 && err_fd_ < 0) return false;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    const int ready = ::poll(fds, 2, static_cast<int>(std::max<long long>(0, left.count())));
    if (ready < 0 && errno != EINTR) return false;
    for (int i = 0; i < 2 && ready > 0; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buffer[65536];
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        int& fd = i == 0 ? out_fd_ : err_fd_;
        if (n <= 0)
            closeFd(fd);
        else
            (i == 0 ? result_.out : result_.err).append(buffer, static_cast<std::size_t>(n));
    }
    return true;
}

bool ChildProcess::waitForOutput(std::string_view text, std::chrono::milliseconds deadline) {
    return waitForOutputAfter(0, text, deadline);
}

bool ChildProcess::waitForOutputAfter(std::size_t from, std::string_view text,
                                      std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (result_.out.size() > from && result_.out.find(text, from) != std::string::npos)
            return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        if (!pump(until)) return false;
    }
}

void ChildProcess::signal(int signal_number) {
    if (pid_ > 0 && !reaped_) ::kill(pid_, signal_number);
}

ChildResult ChildProcess::wait(std::chrono::milliseconds deadline) {
    if (pid_ <= 0) return result_;
    const auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) break;
        if (std::chrono::steady_clock::now() >= until) {
            result_.timed_out = true;
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        // Pipes closed (the child closed its streams but runs on): poll nothing, briefly.
        if (!pump(
                std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(20))))
            ::poll(nullptr, 0, 20);
    }
    reaped_ = true;
    // What it wrote before it ended; a second at most, should something it started hold the
    // pipes open.
    const auto drained = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while ((out_fd_ >= 0 || err_fd_ >= 0) && std::chrono::steady_clock::now() < drained)
        pump(drained);
    result_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
    return result_;
}

ChildResult runChild(const std::vector<std::string>& argv, const ChildOptions& options,
                     std::chrono::milliseconds deadline) {
    ChildProcess child(argv, options);
    return child.wait(deadline);
}

std::string labBinary() {
    if (const char* given = std::getenv("ILAB_BINARY"); given && *given) return given;
    return ILAB_BINARY;
}

}  // namespace ilab::testing
