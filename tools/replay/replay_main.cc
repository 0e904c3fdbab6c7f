// kaiku_replay: publishes a public clickstream dataset (../shared/data/, the
// mappings of lib/replay/dataset.h) to kaikud through the real API, in event
// time order: as fast as the server acknowledges (default) or paced at
// --speed seconds of data per second. Event times are shifted by whole days so
// that the data ends just before now (--shift_days=auto): the datasets are
// years old and kaikud rejects events older than its retention. Shifting by
// whole days keeps every gap, weekday and hour, so the scores are those of the
// original times.
//
// Requests of --batch events are sent one at a time and retried on
// RESOURCE_EXHAUSTED and UNAVAILABLE (retries are idempotent: event ids are
// stable), so a replay run twice stores every event once. Exit status: 0 when
// every event was stored (accepted or duplicate), 1 otherwise, 2 usage.
//
//   kaiku_replay --dataset=taobao --csv=../shared/data/taobao-sample/train.csv
//                --addr=127.0.0.1:50051
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "lib/replay/dataset.h"
#include "tools/client/server_address.h"

ABSL_FLAG(std::string, dataset, "", "taobao, rees46 or uci. Required.");
ABSL_FLAG(std::string, csv, "", "The dataset file. Required.");
ABSL_FLAG(std::string, shift_days, "auto",
          "Whole days added to every event time: auto (the last event lands "
          "at least a minute before now), or a number (0: original times).");
ABSL_FLAG(double, speed, 0,
          "0: as fast as possible; otherwise seconds of data time per second "
          "of replay (3600: an hour of the data every second).");
ABSL_FLAG(int, batch, 1000, "Events per Publish request, 1..1000.");
ABSL_FLAG(int64_t, limit, 0, "Publish at most this many events (0: all).");
ABSL_FLAG(int, max_seconds, 3600, "Give up after this long.");

namespace {

using ::google::protobuf::util::TimeUtil;

constexpr int64_t kDayMicros = int64_t{86400} * 1000000;

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::UNAVAILABLE;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_replay --dataset=taobao|rees46|uci --csv=FILE [--addr=HOST:PORT] "
      "[--speed=X]");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<kaiku::replay::Dataset> dataset =
      kaiku::replay::ParseDataset(absl::GetFlag(FLAGS_dataset));
  if (!dataset.ok()) {
    std::cerr << "kaiku_replay: --" << dataset.status().message() << "\n";
    return 2;
  }
  const int batch = absl::GetFlag(FLAGS_batch);
  const double speed = absl::GetFlag(FLAGS_speed);
  if (batch < 1 || batch > 1000 || !(speed >= 0)) {
    std::cerr << "kaiku_replay: --batch must be 1..1000 and --speed >= 0\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_csv).empty()) {
    std::cerr << "kaiku_replay: --csv: required\n";
    return 2;
  }
  absl::StatusOr<std::vector<kaiku::v1::Event>> events =
      kaiku::replay::ReadDatasetFile(*dataset, absl::GetFlag(FLAGS_csv));
  if (!events.ok()) {
    std::cerr << "kaiku_replay: " << events.status().message() << "\n";
    return 2;
  }
  if (events->empty()) {
    std::cerr << "kaiku_replay: no events in " << absl::GetFlag(FLAGS_csv)
              << "\n";
    return 2;
  }
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit > 0 && static_cast<int64_t>(events->size()) > limit)
    events->resize(limit);

  const int64_t first =
      TimeUtil::TimestampToMicroseconds(events->front().occurred_at());
  const int64_t last =
      TimeUtil::TimestampToMicroseconds(events->back().occurred_at());
  int64_t shift_days = 0;
  const std::string shift = absl::GetFlag(FLAGS_shift_days);
  if (shift == "auto") {
    shift_days = kaiku::replay::DaysToEndBefore(
        *events, absl::ToUnixMicros(absl::Now()));
  } else if (!absl::SimpleAtoi(shift, &shift_days)) {
    std::cerr << "kaiku_replay: --shift_days: must be auto or a number\n";
    return 2;
  }
  kaiku::replay::ShiftByDays(*events, shift_days);

  const std::string addr = kaiku::client::ServerAddress();
  const std::string api_key = kaiku::client::ApiKey();
  kaiku::v1::Ingest::Stub stub(
      grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  std::cerr << absl::StrFormat(
      "kaiku_replay: %d events of %s (%s .. %s, shifted by %d days) to %s\n",
      events->size(), kaiku::replay::DatasetName(*dataset),
      absl::FormatTime(absl::FromUnixMicros(first), absl::UTCTimeZone()),
      absl::FormatTime(absl::FromUnixMicros(last), absl::UTCTimeZone()),
      shift_days, addr);

  const absl::Time start = absl::Now();
  const absl::Time give_up =
      start + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  int64_t accepted = 0, duplicates = 0, rejected = 0, unstored = 0;
  size_t next = 0;
  int shown = 0;
  while (next < events->size()) {
    if (absl::Now() > give_up) {
      std::cerr << "kaiku_replay: --max_seconds reached\n";
      break;
    }
    size_t end = std::min(events->size(), next + static_cast<size_t>(batch));
    if (speed > 0) {
      // Send what is due now; wait for the next event's moment.
      const auto due = [&](size_t i) {
        const double data_seconds =
            static_cast<double>(
                TimeUtil::TimestampToMicroseconds((*events)[i].occurred_at()) -
                shift_days * kDayMicros - first) /
            1e6;
        return start + absl::Seconds(data_seconds / speed);
      };
      const absl::Time wait_until = std::min(due(next), give_up);
      if (absl::Now() < wait_until) absl::SleepFor(wait_until - absl::Now());
      size_t i = next;
      while (i < end && due(i) <= absl::Now()) ++i;
      end = std::max(i, next + 1);
    }
    kaiku::v1::PublishRequest request;
    for (size_t i = next; i < end; ++i) *request.add_events() = (*events)[i];
    kaiku::v1::PublishResponse response;
    grpc::Status status;
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
      if (!api_key.empty())
        context.AddMetadata("authorization", "Bearer " + api_key);
      status = stub.Publish(&context, request, &response);
      if (status.ok() || !Retryable(status.error_code()) || attempt == 9 ||
          absl::Now() > give_up)
        break;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min(2000, 50 << attempt)));
    }
    if (!status.ok()) {
      std::cerr << "kaiku_replay: publish failed: code " << status.error_code()
                << ": " << status.error_message() << "\n";
      unstored += static_cast<int64_t>(end - next);
      break;
    }
    accepted += response.accepted_count();
    duplicates += response.duplicate_count();
    rejected += response.rejected_count();
    for (const kaiku::v1::EventResult& r : response.results()) {
      if (r.outcome() != kaiku::v1::OUTCOME_REJECTED || shown >= 5) continue;
      ++shown;
      std::cerr << "kaiku_replay: rejected " << r.event_id() << ":";
      for (const auto& v : r.violations())
        std::cerr << " " << v.field() << ": " << v.description();
      std::cerr << "\n";
    }
    next = end;
  }
  unstored += static_cast<int64_t>(events->size() - next);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::cout << absl::StrFormat(
      "%s: %d events published in %.2f s (%.0f events/s): %d accepted, %d "
      "duplicate, %d rejected, %d not stored\n",
      kaiku::replay::DatasetName(*dataset), next, seconds,
      seconds > 0 ? static_cast<double>(next) / seconds : 0.0, accepted,
      duplicates, rejected, unstored);
  return rejected == 0 && unstored == 0 ? 0 : 1;
}
