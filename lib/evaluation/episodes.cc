#include "lib/evaluation/episodes.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "google/protobuf/util/time_util.h"

namespace kaiku::evaluation {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;

bool IsProductView(const scoring::Model& model, const Event& e) {
  return e.has_page_view() &&
         model.PageTypeOf(e.page_view()) == kaiku::v1::PAGE_TYPE_PRODUCT;
}

}  // namespace

std::vector<Example> VisitorExamples(const scoring::Scorer& scorer,
                                     absl::string_view visitor_id,
                                     const std::vector<Event>& timeline) {
  absl::flat_hash_map<std::string, size_t> last_index;
  for (size_t i = 0; i < timeline.size(); ++i) {
    if (!timeline[i].session_id().empty())
      last_index[timeline[i].session_id()] = i;
  }
  absl::flat_hash_set<std::string> converted;
  absl::flat_hash_map<std::string, int64_t> episode_views;
  int64_t total_views = 0;
  std::optional<int64_t> hot_since;
  std::vector<kaiku::v1::ScoreEvent> published;
  auto follow = [&] {
    for (const kaiku::v1::ScoreEvent& s : published) {
      if (s.level() < kaiku::v1::LEVEL_HOT) {
        hot_since.reset();
      } else if (!hot_since.has_value()) {
        hot_since = TimeUtil::TimestampToMicroseconds(s.occurred_at());
      }
    }
    published.clear();
  };

  scoring::VisitorState state = scorer.NewState();
  absl::flat_hash_map<std::string, std::vector<double>> event_scores;
  std::vector<Example> examples;
  // The example of the episode of `e`, scored as of the last folded event.
  auto record = [&](const Event& e, int64_t decision, bool positive) {
    const int64_t at = state.last_event;
    Example& x = examples.emplace_back();
    x.visitor_id = std::string(visitor_id);
    x.episode = e.session_id();
    x.converted = positive;
    x.at_micros = at;
    x.decision_micros = decision;
    x.history_events = state.event_count;
    const scoring::Scorer::View view = scorer.Evaluate(state, at);
    x.score = view.score;
    x.level = view.level;
    x.bot = state.is_bot();
    x.disqualified = state.disqualifier >= 0;
    x.features = scorer.Features(state, at);
    x.episode_product_views = episode_views[e.session_id()];
    x.total_product_views = total_views;
    x.event_scores = std::move(event_scores[e.session_id()]);
    if (positive) x.hot_since_micros = hot_since;
  };

  for (size_t i = 0; i < timeline.size(); ++i) {
    const Event& e = timeline[i];
    const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
    const bool episode = !e.session_id().empty();
    const bool decided = episode && converted.contains(e.session_id());
    if (episode && e.has_conversion() && !decided) {
      converted.insert(e.session_id());
      // Only an episode with events of its own before the purchase is
      // comparable with the others (each has at least its last event).
      if (!event_scores[e.session_id()].empty())
        record(e, t, /*positive=*/true);
    }
    scorer.Apply(e, state, &published);
    follow();
    if (IsProductView(scorer.model(), e)) {
      ++total_views;
      if (episode) ++episode_views[e.session_id()];
    }
    if (!episode || converted.contains(e.session_id())) continue;
    event_scores[e.session_id()].push_back(scorer.Evaluate(state, t).score);
    if (last_index[e.session_id()] == i) record(e, t, /*positive=*/false);
  }
  return examples;
}

}  // namespace kaiku::evaluation
