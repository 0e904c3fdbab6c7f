// Runs the real kaikud binary as a child process on 127.0.0.1:0 with a data
// directory, for integration and crash tests, and connects to it.
#ifndef KAIKU_TESTS_TESTING_KAIKUD_PROCESS_H_
#define KAIKU_TESTS_TESTING_KAIKUD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "kaiku/v1/scores.pb.h"

namespace kaiku::testing {

// Path of the built kaikud and kaikuctl (set by CMake).
std::string KaikudPath();
std::string KaikuctlPath();

class KaikudProcess {
 public:
  // Starts kaikud with --data_dir=data_dir --listen=127.0.0.1:0
  // --metrics_listen=127.0.0.1:0 and `extra_flags`, and waits (up to 60 s)
  // until it has written its port file and accepts connections.
  static absl::StatusOr<std::unique_ptr<KaikudProcess>> Start(
      const std::string& data_dir,
      const std::vector<std::string>& extra_flags = {});

  // Kills the process (SIGKILL) if still running.
  ~KaikudProcess();

  int port() const { return port_; }
  // The HTTP port of /metrics, /healthz and /readyz.
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  std::string address() const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // SIGTERM, then waits for the exit; returns the exit status (or -signal when
  // killed). A kaikud that has not exited 120 s after the SIGTERM is killed
  // (SIGKILL) and kTerminateTimedOut returned, so that a hung shutdown fails
  // its test instead of hanging it.
  static constexpr int kTerminateTimedOut = -1000;
  int Terminate();
  // SIGKILL, then waits.
  void Kill();
  // Sends `signal` (e.g. SIGHUP) without waiting.
  void Signal(int signal);

 private:
  KaikudProcess(pid_t pid, const std::string& data_dir)
      : pid_(pid), data_dir_(data_dir) {}
  absl::Status WaitReady();
  int Wait();
  // After waitpid returned `status` for the process: forgets it and returns
  // its exit status (or -signal when killed).
  int Reaped(int status);

  pid_t pid_;
  std::string data_dir_;
  int port_ = 0;
  int metrics_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// Runs a command with `stdin_data` on its standard input; returns its exit
// status and standard output. stderr is passed through.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& stdin_data);

// `kaikuctl get VISITOR --limit=0` against the server, parsed. Errors name
// the exit status or the output that was not a VisitorProfile.
absl::StatusOr<kaiku::v1::VisitorProfile> KaikuctlGet(
    const KaikudProcess& server, const std::string& visitor);

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_KAIKUD_PROCESS_H_
