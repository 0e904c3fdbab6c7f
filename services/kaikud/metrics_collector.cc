#include "services/kaikud/metrics_collector.h"

#include <sys/statvfs.h>

#include "lib/metrics/process_stats.h"

namespace kaiku::kaikud {

using ::kaiku::metrics::SetTotal;

void CollectAtScrape(const MetricsSources& sources, metrics::KaikudMetrics& m) {
  if (std::optional<metrics::ProcessStats> p = metrics::ReadProcessStats()) {
    SetTotal(m.process_cpu_seconds(), p->cpu_seconds);
    m.process_resident_memory_bytes().Set(p->resident_bytes);
    m.process_virtual_memory_bytes().Set(p->virtual_bytes);
    m.process_open_fds().Set(p->open_fds);
    m.process_max_fds().Set(p->max_fds);
    m.process_start_time_seconds().Set(p->start_time_seconds);
  }
  struct statvfs fs {};
  if (!sources.data_dir.empty() &&
      statvfs(sources.data_dir.c_str(), &fs) == 0) {
    m.filesystem_avail_bytes().Set(static_cast<double>(fs.f_bavail) *
                                   static_cast<double>(fs.f_frsize));
    m.filesystem_size_bytes().Set(static_cast<double>(fs.f_blocks) *
                                  static_cast<double>(fs.f_frsize));
  }
  if (sources.pipeline != nullptr) {
    m.queued_events().Set(
        static_cast<double>(sources.pipeline->queued_events()));
    m.queue_capacity().Set(static_cast<double>(sources.queue_capacity));
    const ingest::ScoringCounters c = sources.pipeline->scoring_counters();
    SetTotal(m.recomputations(), static_cast<double>(c.recomputations));
    SetTotal(m.timer_wakeups(), static_cast<double>(c.timer_wakeups));
    SetTotal(m.state_lookups("cache"), static_cast<double>(c.states_cached));
    SetTotal(m.state_lookups("store"), static_cast<double>(c.states_read));
    SetTotal(m.state_lookups("none"), static_cast<double>(c.states_new));
    m.cached_visitors().Set(static_cast<double>(c.cached_visitors));
    m.dirty_visitors().Set(static_cast<double>(c.dirty_visitors));
    SetTotal(m.states_written(), static_cast<double>(c.states_written));
    m.state_cache_bytes().Set(static_cast<double>(c.cached_bytes));
  }
  if (sources.streams != nullptr) {
    m.subscribers().Set(static_cast<double>(sources.streams->streams()));
    m.subscriber_lag().Set(static_cast<double>(sources.streams->MaxLag()));
    SetTotal(m.delivered(), static_cast<double>(sources.streams->delivered()));
  }
  if (sources.kafka_sink != nullptr) {
    m.kafka_sink_lag().Set(static_cast<double>(sources.kafka_sink->lag()));
  }
  if (sources.store != nullptr) {
    const storage::StoreStats s = sources.store->Stats();
    SetTotal(m.write_stall_seconds(),
             static_cast<double>(s.write_stall_micros) / 1e6);
    SetTotal(m.compaction_read_bytes(),
             static_cast<double>(s.compaction_read_bytes));
    SetTotal(m.compaction_written_bytes(),
             static_cast<double>(s.compaction_written_bytes));
    SetTotal(m.flush_written_bytes(),
             static_cast<double>(s.flush_written_bytes));
    SetTotal(m.wal_syncs(), static_cast<double>(s.wal_syncs));
    SetTotal(m.wal_written_bytes(), static_cast<double>(s.wal_written_bytes));
    SetTotal(m.user_written_bytes(), static_cast<double>(s.user_written_bytes));
    m.pending_compaction_bytes().Set(
        static_cast<double>(s.pending_compaction_bytes));
    m.write_stopped().Set(s.write_stopped ? 1 : 0);
    for (const storage::StoreStats::ColumnFamily& cf : s.column_families) {
      m.memtable_bytes(cf.name).Set(static_cast<double>(cf.memtable_bytes));
      m.sst_bytes(cf.name).Set(static_cast<double>(cf.sst_bytes));
      SetTotal(m.written_keys(cf.name), static_cast<double>(cf.written_keys));
      SetTotal(m.written_bytes(cf.name), static_cast<double>(cf.written_bytes));
      SetTotal(m.sst_written_bytes(cf.name),
               static_cast<double>(cf.sst_written_bytes));
    }
  }
}

void CountScoreEvents(const ingest::ScoreEventTally& tally,
                      metrics::KaikudMetrics& m) {
  for (size_t kind = 0; kind < tally.by_kind.size(); ++kind) {
    if (tally.by_kind[kind] == 0) continue;
    m.score_events(static_cast<kaiku::v1::ScoreEventKind>(kind))
        .Increment(static_cast<double>(tally.by_kind[kind]));
  }
  for (size_t from = 0; from < tally.transitions.size(); ++from) {
    for (size_t to = 0; to < tally.transitions[from].size(); ++to) {
      if (tally.transitions[from][to] == 0) continue;
      m.level_transitions(static_cast<kaiku::v1::Level>(from),
                          static_cast<kaiku::v1::Level>(to))
          .Increment(static_cast<double>(tally.transitions[from][to]));
    }
  }
  for (const auto& [trigger, n] : tally.triggers) {
    m.triggers_fired(trigger).Increment(static_cast<double>(n));
  }
}

}  // namespace kaiku::kaikud
