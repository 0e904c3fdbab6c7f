#include "tools/eval/peer.h"

#include <cmath>
#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/evaluation/history_features.h"
#include "lib/replay/csv.h"

namespace kaiku::tools {
namespace {

std::string Key(absl::string_view visitor, absl::string_view episode) {
  return absl::StrCat(visitor, "\n", episode);
}

}  // namespace

absl::Status WriteFeatures(const std::string& path, const scoring::Model& model,
                           absl::TimeZone zone,
                           const std::vector<evaluation::Timeline>& timelines,
                           const std::vector<evaluation::Example>& train,
                           const std::vector<evaluation::Example>& test) {
  absl::flat_hash_map<std::string, const evaluation::Timeline*> by_visitor;
  for (const evaluation::Timeline& t : timelines) by_visitor[t.visitor_id] = &t;
  std::ofstream out(path, std::ios::trunc);
  out << "side,converted,visitor,episode";
  for (const std::string& name : evaluation::HistoryFeatureNames())
    out << ",history." << name;
  for (const scoring::SignalSpec& signal : model.signals())
    out << ",signal." << signal.name;
  out << "\n";
  for (const auto* side : {&train, &test}) {
    for (const evaluation::Example& e : *side) {
      auto it = by_visitor.find(e.visitor_id);
      if (it == by_visitor.end())
        return absl::InternalError(
            absl::StrCat("no timeline of ", e.visitor_id));
      out << (side == &train ? "train," : "test,") << (e.converted ? 1 : 0)
          << "," << e.visitor_id << "," << e.episode;
      for (double f :
           evaluation::HistoryFeatures(model, zone, it->second->events, e)) {
        if (std::isnan(f)) {
          out << ",NaN";
        } else {
          out << "," << absl::StrCat(f);
        }
      }
      for (double f : e.features) out << "," << absl::StrCat(f);
      out << "\n";
    }
  }
  if (!out.flush())
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> ReadPeerScores(
    const std::string& path, const std::vector<evaluation::Example>& test) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  absl::StatusOr<replay::CsvReader> reader =
      replay::CsvReader::Open(in, path, {"visitor", "episode", "score"});
  if (!reader.ok()) return reader.status();
  absl::flat_hash_map<std::string, double> scores;
  while (reader->Next()) {
    double score = 0;
    if (!absl::SimpleAtod(reader->Field(2), &score) || !std::isfinite(score))
      return reader->Error(2, "must be a finite number");
    scores[Key(reader->Field(0), reader->Field(1))] = score;
  }
  if (!reader->status().ok()) return reader->status();
  std::vector<double> out;
  out.reserve(test.size());
  for (const evaluation::Example& e : test) {
    auto it = scores.find(Key(e.visitor_id, e.episode));
    if (it == scores.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": no score of visitor ", e.visitor_id,
                       ", episode ", e.episode));
    }
    out.push_back(it->second);
  }
  return out;
}

}  // namespace kaiku::tools
