#include "tests/testing/kaikud_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace kaiku::testing {
namespace {

// The kaikud processes this test process runs. If the test process crashes,
// they are killed with it: an orphaned kaikud would keep the test's output pipe
// open, and CTest would wait for it until its timeout instead of reporting the
// crash.
constexpr int kMaxChildren = 64;
std::atomic<pid_t> children[kMaxChildren];
std::atomic<pid_t> children_owner{0};

void KillChildrenAndReraise(int signal) {
  // Not in a process forked from this one (a death test's child).
  if (::getpid() == children_owner.load()) {
    for (std::atomic<pid_t>& child : children) {
      const pid_t pid = child.load();
      if (pid > 0) ::kill(pid, SIGKILL);
    }
  }
  ::raise(signal);  // SA_RESETHAND: the default action now
}

void Track(pid_t pid) {
  static const bool installed = [] {
    children_owner = ::getpid();
    struct sigaction action = {};
    action.sa_handler = KillChildrenAndReraise;
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (int signal : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL})
      ::sigaction(signal, &action, nullptr);
    return true;
  }();
  (void)installed;
  for (std::atomic<pid_t>& child : children) {
    pid_t free = 0;
    if (child.compare_exchange_strong(free, pid)) return;
  }
}

void Untrack(pid_t pid) {
  for (std::atomic<pid_t>& child : children) {
    pid_t tracked = pid;
    if (child.compare_exchange_strong(tracked, 0)) return;
  }
}

std::vector<char*> ToArgv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string KaikudPath() { return KAIKUD_PATH; }
std::string KaikuctlPath() { return KAIKUCTL_PATH; }

absl::StatusOr<std::unique_ptr<KaikudProcess>> KaikudProcess::Start(
    const std::string& data_dir, const std::vector<std::string>& extra_flags) {
  std::error_code ec;
  std::filesystem::remove(data_dir + "/kaikud.port", ec);
  std::filesystem::remove(data_dir + "/metrics.port", ec);
  std::vector<std::string> args = {
      KaikudPath(), "--data_dir=" + data_dir, "--listen=127.0.0.1:0",
      "--metrics_listen=127.0.0.1:0", "--log_level=warning"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    std::vector<char*> argv = ToArgv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  Track(pid);
  std::unique_ptr<KaikudProcess> process(new KaikudProcess(pid, data_dir));
  absl::Status ready = process->WaitReady();
  if (!ready.ok()) return ready;
  return process;
}

KaikudProcess::~KaikudProcess() {
  if (pid_ > 0) Kill();
}

std::string KaikudProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status KaikudProcess::WaitReady() {
  // Readiness is an event (the port file appears), polled with a bound; nothing
  // here depends on timing for correctness.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::string port_file = data_dir_ + "/kaikud.port";
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      Reaped(status);
      return absl::InternalError("kaikud exited during start-up");
    }
    std::ifstream in(port_file);
    std::string text;
    if (in && std::getline(in, text) &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port_) &&
        port_ > 0) {
      // Written before kaikud.port.
      std::ifstream metrics(data_dir_ + "/metrics.port");
      if (!metrics || !std::getline(metrics, text) ||
          !absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &metrics_port_)) {
        return absl::InternalError("kaikud wrote no metrics.port");
      }
      channel_ =
          grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
      if (channel_->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(10))) {
        return absl::OkStatus();
      }
      return absl::UnavailableError(
          "kaikud wrote its port but does not accept connections");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("kaikud did not start within 60 s");
}

int KaikudProcess::Wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  return Reaped(status);
}

int KaikudProcess::Reaped(int status) {
  Untrack(pid_);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

int KaikudProcess::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  // The exit is an event, polled with a bound (like WaitReady).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return Reaped(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return kTerminateTimedOut;
}

void KaikudProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

void KaikudProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Wait();
}

CommandResult RunCommand(const std::vector<std::string>& argv_in,
                         const std::string& stdin_data) {
  int in_pipe[2], out_pipe[2];
  CommandResult result;
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) return result;
  std::vector<std::string> args = argv_in;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    std::vector<char*> argv = ToArgv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  std::thread feeder([&] {
    size_t off = 0;
    while (off < stdin_data.size()) {
      ssize_t n =
          ::write(in_pipe[1], stdin_data.data() + off, stdin_data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(in_pipe[1]);
  });
  char buf[65536];
  ssize_t n;
  while ((n = ::read(out_pipe[0], buf, sizeof(buf))) > 0)
    result.out.append(buf, n);
  ::close(out_pipe[0]);
  feeder.join();
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

absl::StatusOr<kaiku::v1::VisitorProfile> KaikuctlGet(
    const KaikudProcess& server, const std::string& visitor) {
  CommandResult get = RunCommand({KaikuctlPath(), "get", visitor,
                                  "--addr=" + server.address(), "--limit=0"},
                                 "");
  if (get.exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("kaikuctl get exited with ", get.exit_code));
  }
  kaiku::v1::VisitorProfile profile;
  if (!google::protobuf::util::JsonStringToMessage(get.out, &profile).ok())
    return absl::InternalError("not a VisitorProfile: " + get.out);
  return profile;
}

}  // namespace kaiku::testing
