#include "tools/loadgen/recorder.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_format.h"

namespace kaiku::loadgen {

Recorder::Second& Recorder::At(int64_t now) {
  const size_t second =
      static_cast<size_t>(std::max<int64_t>(0, (now - start_) / 1000000));
  if (seconds_.size() <= second) seconds_.resize(second + 1);
  return seconds_[second];
}

void Recorder::Sent(int64_t events) {
  absl::MutexLock lock(&mu_);
  tally_.sent += events;
}

void Recorder::Acked(int64_t now, int64_t latency_micros, int64_t accepted,
                     int64_t duplicate, int64_t rejected, int64_t failed) {
  absl::MutexLock lock(&mu_);
  tally_.accepted += accepted;
  tally_.duplicate += duplicate;
  tally_.rejected += rejected;
  tally_.failed += failed;
  if (failed > 0) return;
  Second& s = At(now);
  s.acked_events += accepted + duplicate + rejected;
  s.ack.Record(latency_micros);
  ack_.Record(latency_micros);
}

void Recorder::ScoreEvent(int64_t now, std::optional<int64_t> latency_micros) {
  absl::MutexLock lock(&mu_);
  ++tally_.score_events;
  if (!latency_micros.has_value()) return;
  At(now).e2e.Record(*latency_micros);
  e2e_.Record(*latency_micros);
}

Tally Recorder::tally() const {
  absl::MutexLock lock(&mu_);
  return tally_;
}

LatencyHistogram Recorder::ack_total() const {
  absl::MutexLock lock(&mu_);
  return ack_;
}

LatencyHistogram Recorder::e2e_total() const {
  absl::MutexLock lock(&mu_);
  return e2e_;
}

std::vector<Recorder::Second> Recorder::seconds() const {
  absl::MutexLock lock(&mu_);
  return seconds_;
}

bool Recorder::WriteSeries(const std::string& path) const {
  std::ofstream out(path);
  out << "# second events_per_s ack_p50_ms ack_p99_ms e2e_p50_ms e2e_p99_ms\n";
  const std::vector<Second> rows = seconds();
  for (size_t i = 0; i < rows.size(); ++i) {
    const Second& s = rows[i];
    out << absl::StrFormat(
        "%d %d %.3f %.3f %.3f %.3f\n", i, s.acked_events,
        s.ack.Percentile(0.5) / 1e3, s.ack.Percentile(0.99) / 1e3,
        s.e2e.Percentile(0.5) / 1e3, s.e2e.Percentile(0.99) / 1e3);
  }
  return static_cast<bool>(out);
}

}  // namespace kaiku::loadgen
