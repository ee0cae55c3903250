#pragma once
// Runs a program (the real `ingress-lab` binary) as a child process for tests that must never
// hang: every wait has a deadline, and a child still running at its deadline is killed.
// Standard output and error are collected as they come, so a test can wait for a line
// ("reloaded in") instead of sleeping.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace ilab::testing {

struct ChildOptions {
    std::string stdin_path = "/dev/null";  // what the child reads as standard input
    std::vector<std::string> environment;  // "NAME=value" set on top of the test's own
};

struct ChildResult {
    bool timed_out = false;  // killed at the deadline
    int exit_code = -1;      // when it exited
    int signal = 0;          // when a signal ended it (SIGKILL after a timeout)
    double seconds = 0;      // from start to end
    std::string out, err;
};

class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options = {});
    ~ChildProcess();  // kills the child if it still runs
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool started() const { return pid_ > 0; }
    // Reads until standard output holds `text` (anywhere, from the start), the child ends or
    // the deadline passes. True when found.
    bool waitForOutput(std::string_view text, std::chrono::milliseconds deadline);
    // Reads standard output until `text` occurs at or after `from` (a size of out() earlier).
    bool waitForOutputAfter(std::size_t from, std::string_view text,
                            std::chrono::milliseconds deadline);
    void signal(int signal_number);
    // Waits for the end; kills the child at the deadline (timed_out then says so).
    ChildResult wait(std::chrono::milliseconds deadline);
    const std::string& out() const { return result_.out; }
    const std::string& err() const { return result_.err; }

  private:
    // Reads whatever is ready on either pipe, waiting at most until `until`. False once both
    // pipes are closed.
    bool pump(std::chrono::steady_clock::time_point until);

    pid_t pid_ = -1;
    int out_fd_ = -1, err_fd_ = -1;
    std::chrono::steady_clock::time_point started_;
    ChildResult result_;
    bool reaped_ = false;
};

// Runs the program to its end (or its deadline) with standard input from `options`.
ChildResult runChild(const std::vector<std::string>& argv, const ChildOptions& options = {},
                     std::chrono::milliseconds deadline = std::chrono::seconds(10));

// The ingress-lab binary under test: $ILAB_BINARY when set (to run the tests against another
// build), else the one this build made.
std::string labBinary();

}  // namespace ilab::testing
