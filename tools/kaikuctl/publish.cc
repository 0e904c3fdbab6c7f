// kaikuctl publish [FILE|-]: JSON lines of kaiku.v1.Event in, one JSON result
// line per event out, printed as each acknowledgement arrives.
//
// Events go over one PublishStream in batches of --batch (default 500). A batch
// is also sent as soon as standard input has nothing more to read right now, so
// an interactive or slow producer sees its results promptly. Each result line
// is a kaiku.v1.EventResult whose `index` is the event's position in the whole
// input (0-based, blank lines not counted) and whose violation paths use that
// index. A line that is not valid JSON for an Event is reported as rejected
// with the parse error, and never sent.
#include <poll.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/json_util.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {
namespace {

using ::kaiku::v1::EventResult;
using ::kaiku::v1::PublishRequest;
using ::kaiku::v1::PublishResponse;

constexpr int kDefaultBatch = 500;
constexpr int kMaxBatch = 1000;

// Whether reading `in` now would block (standard input with nothing buffered or
// ready).
bool InputIdle(std::istream& in, bool is_stdin) {
  if (!is_stdin || in.rdbuf()->in_avail() > 0) return false;
  pollfd fd{STDIN_FILENO, POLLIN, 0};
  return ::poll(&fd, 1, 0) == 0;
}

class Printer {
 public:
  void Print(EventResult result) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(result, &json, options);
    absl::MutexLock lock(&mu_);
    std::cout << json << "\n" << std::flush;
  }

 private:
  absl::Mutex mu_;
};

// "events[<local>].x" -> "events[<global>].x".
std::string Reindex(const std::string& field, int local, int64_t global) {
  std::string prefix = absl::StrCat("events[", local, "]");
  if (!absl::StartsWith(field, prefix)) return field;
  return absl::StrCat("events[", global, "]", field.substr(prefix.size()));
}

}  // namespace

int RunPublish(const Connection& connection, const Args& args) {
  std::string path = args.positional.size() > 1 ? args.positional[1] : "-";
  int batch_size = kDefaultBatch;
  if (!absl::SimpleAtoi(args.Get("--batch", absl::StrCat(kDefaultBatch)),
                        &batch_size) ||
      batch_size < 1 || batch_size > kMaxBatch) {
    std::cerr << "--batch: must be 1.." << kMaxBatch << "\n";
    return 2;
  }
  std::ifstream file;
  const bool is_stdin = path == "-";
  if (!is_stdin) {
    file.open(path);
    if (!file) {
      std::cerr << "cannot read " << path << "\n";
      return 2;
    }
  }
  std::istream& in = is_stdin ? std::cin : file;
  // std::cin is tied to std::cout: every read of it would flush std::cout from
  // the reading thread, racing the printing thread's writes (lines printed
  // twice or run together). Only the printer touches std::cout.
  std::cin.tie(nullptr);

  kaiku::v1::Ingest::Stub stub(connection.channel);
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext();
  auto stream = stub.PublishStream(context.get());
  Printer printer;

  absl::Mutex mu;
  // sequence -> global index of each event of that request
  std::map<uint64_t, std::vector<int64_t>> pending ABSL_GUARDED_BY(mu);
  bool failed = false;  // written by the writer thread before join, read after

  std::thread writer([&] {
    PublishRequest request;
    std::vector<int64_t> indices;
    uint64_t sequence = 0;
    int64_t index = 0;
    bool stream_ok = true;
    auto flush = [&] {
      if (request.events_size() == 0 || !stream_ok) return;
      request.set_sequence(++sequence);
      {
        absl::MutexLock lock(&mu);
        pending[sequence] = std::move(indices);
      }
      indices.clear();
      stream_ok = stream->Write(request);
      request.clear_events();
    };
    std::string line;
    while (stream_ok && std::getline(in, line)) {
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (!text.empty()) {
        kaiku::v1::Event event;
        google::protobuf::util::JsonParseOptions options;
        auto parsed = google::protobuf::util::JsonStringToMessage(
            google::protobuf::StringPiece(text.data(), text.size()), &event,
            options);
        if (parsed.ok()) {
          *request.add_events() = std::move(event);
          indices.push_back(index);
        } else {
          EventResult result;
          result.set_index(static_cast<int32_t>(index));
          result.set_outcome(kaiku::v1::OUTCOME_REJECTED);
          auto* v = result.add_violations();
          v->set_field(absl::StrCat("events[", index, "]"));
          v->set_description(absl::StrCat("not a kaiku.v1.Event in JSON: ",
                                          parsed.message().as_string()));
          printer.Print(std::move(result));
          failed = true;
        }
        ++index;
      }
      if (request.events_size() >= batch_size || InputIdle(in, is_stdin))
        flush();
    }
    flush();
    stream->WritesDone();
  });

  bool any_failure = false;
  PublishResponse response;
  while (stream->Read(&response)) {
    std::vector<int64_t> indices;
    {
      absl::MutexLock lock(&mu);
      auto it = pending.find(response.sequence());
      if (it == pending.end()) continue;
      indices = std::move(it->second);
      pending.erase(it);
    }
    if (response.status().code() != 0) {
      any_failure = true;
      std::cerr << "batch " << response.sequence() << " (" << indices.size()
                << " events) not stored: code " << response.status().code()
                << ": " << response.status().message() << "\n";
      continue;
    }
    for (EventResult& result : *response.mutable_results()) {
      int local = result.index();
      if (local < 0 || local >= static_cast<int>(indices.size())) continue;
      result.set_index(static_cast<int32_t>(indices[local]));
      for (auto& v : *result.mutable_violations()) {
        v.set_field(Reindex(v.field(), local, indices[local]));
      }
      if (result.outcome() == kaiku::v1::OUTCOME_REJECTED) any_failure = true;
      printer.Print(std::move(result));
    }
  }
  writer.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    PrintRpcError("publish", status);
    any_failure = true;
  }
  {
    absl::MutexLock lock(&mu);
    size_t unacked = 0;
    for (const auto& [seq, idx] : pending) unacked += idx.size();
    if (unacked > 0) {
      std::cerr << unacked
                << " events were not acknowledged; publish them again (retries "
                << "are idempotent)\n";
      any_failure = true;
    }
  }
  return (any_failure || failed) ? 1 : 0;
}

}  // namespace kaiku::kaikuctl
