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
  std::vector<Example> examples;
  auto record = [&](const Event& e, int64_t at, bool positive) {
    Example& x = examples.emplace_back();
    x.visitor_id = std::string(visitor_id);
    x.episode = e.session_id();
    x.converted = positive;
    x.at_micros = at;
    const scoring::Scorer::View view = scorer.Evaluate(state, at);
    x.score = view.score;
    x.level = view.level;
    x.bot = state.is_bot();
    x.disqualified = state.disqualifier >= 0;
    x.features = scorer.Features(state, std::max(at, state.last_event));
    x.episode_product_views = episode_views[e.session_id()];
    x.total_product_views = total_views;
    if (positive) x.hot_since_micros = hot_since;
  };

  for (size_t i = 0; i < timeline.size(); ++i) {
    const Event& e = timeline[i];
    const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
    const bool episode = !e.session_id().empty();
    if (episode && e.has_conversion() && !converted.contains(e.session_id())) {
      converted.insert(e.session_id());
      if (state.event_count > 0) {
        scorer.Tick(state, t - 1, &published);
        follow();
      }
      record(e, t, /*positive=*/true);
    }
    scorer.Apply(e, state, &published);
    follow();
    if (IsProductView(scorer.model(), e)) {
      ++total_views;
      if (episode) ++episode_views[e.session_id()];
    }
    if (episode && last_index[e.session_id()] == i &&
        !converted.contains(e.session_id())) {
      record(e, t, /*positive=*/false);
    }
  }
  return examples;
}

}  // namespace kaiku::evaluation
