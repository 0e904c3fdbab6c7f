// Wake-up times of visitors, keyed by visitor key: when a quiet visitor's level
// will change by decay, or when held-back score events may go out. One per
// ingest worker; holds only visitors with a pending wake-up.
//
// Thread safety: none; each ingest worker owns one queue.
#ifndef KAIKU_LIB_INGEST_TIMER_QUEUE_H_
#define KAIKU_LIB_INGEST_TIMER_QUEUE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace kaiku::ingest {

class TimerQueue {
 public:
  // Sets the key's wake-up time (Unix microseconds), replacing any earlier
  // one; nullopt cancels it.
  void Schedule(absl::string_view key, std::optional<int64_t> due) {
    auto it = due_.find(key);
    if (it != due_.end()) {
      if (due.has_value() && *due == it->second) return;
      by_time_.erase({it->second, it->first});
      if (!due.has_value()) {
        due_.erase(it);
        return;
      }
      it->second = *due;
      by_time_.emplace(*due, it->first);
      return;
    }
    if (!due.has_value()) return;
    due_.emplace(std::string(key), *due);
    by_time_.emplace(*due, std::string(key));
  }

  std::optional<int64_t> NextDue() const {
    if (by_time_.empty()) return std::nullopt;
    return by_time_.begin()->first;
  }

  // Removes and returns up to `max` keys due at or before `now`, earliest
  // first.
  std::vector<std::string> PopDue(int64_t now, size_t max) {
    std::vector<std::string> keys;
    while (!by_time_.empty() && keys.size() < max &&
           by_time_.begin()->first <= now) {
      auto node = by_time_.extract(by_time_.begin());
      due_.erase(node.value().second);
      keys.push_back(std::move(node.value().second));
    }
    return keys;
  }

  size_t size() const { return due_.size(); }

 private:
  std::set<std::pair<int64_t, std::string>> by_time_;
  absl::flat_hash_map<std::string, int64_t> due_;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_TIMER_QUEUE_H_
