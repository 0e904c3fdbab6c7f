// Brings kaikud's metrics that are read rather than counted up to date at
// scrape time: ingest queue, scoring caches and counters, score-stream lag,
// RocksDB statistics and properties, the data directory's filesystem and the
// process figures. Also turns committed score events into counters.
#ifndef KAIKU_SERVICES_KAIKUD_METRICS_COLLECTOR_H_
#define KAIKU_SERVICES_KAIKUD_METRICS_COLLECTOR_H_

#include <string>

#include "lib/ingest/pipeline.h"
#include "lib/ingest/visitor_scoring.h"
#include "lib/metrics/kaikud_metrics.h"
#include "lib/scorelog/kafka_sink.h"
#include "lib/storage/store.h"
#include "services/kaikud/stream_stats.h"

namespace kaiku::kaikud {

// What the figures are read from; null members are skipped (e.g. before the
// store is open, or without a Kafka sink).
struct MetricsSources {
  std::string data_dir;
  storage::Store* store = nullptr;
  ingest::IngestPipeline* pipeline = nullptr;
  int64_t queue_capacity = 0;
  const StreamStats* streams = nullptr;
  const scorelog::KafkaSink* kafka_sink = nullptr;
};

void CollectAtScrape(const MetricsSources& sources,
                     metrics::KaikudMetrics& metrics);

// Counts the score events of one committed write group.
void CountScoreEvents(const ingest::ScoreEventTally& tally,
                      metrics::KaikudMetrics& metrics);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_METRICS_COLLECTOR_H_
