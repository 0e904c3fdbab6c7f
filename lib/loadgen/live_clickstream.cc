#include "lib/loadgen/live_clickstream.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace kaiku::loadgen {
namespace {

// Sessions that began this long before the start may still run (a
// researcher's longest scripts last about that long); visitors do not come
// back sooner than half an hour, so none of them does within it.
constexpr int64_t kWarmMicros = int64_t{20} * 60 * 1000000;

}  // namespace

LiveClickstream::LiveClickstream(const LiveClickstreamOptions& options)
    : options_(options), rng_(options.seed), scripts_(options.mix, &rng_) {
  const double sessions_per_second =
      std::max(options_.events_per_second, 0.001) /
      scripts_.MeanEventsPerSession();
  arrival_mean_micros_ = 1e6 / sessions_per_second;
  Warm();
}

void LiveClickstream::Warm() {
  // Arrivals over the warm-up before the start, each fast-forwarded (no
  // event written) to its first step at or after the start.
  next_arrival_micros_ = options_.start_micros - kWarmMicros;
  while (next_arrival_micros_ < options_.start_micros) {
    int64_t at = next_arrival_micros_;
    next_arrival_micros_ +=
        std::max<int64_t>(1, scripts_.Exponential(arrival_mean_micros_));
    ScriptedVisitor v = scripts_.NewVisitor(next_ordinal_++);
    bool ended = false;
    while (at < options_.start_micros) {
      const int64_t gap = scripts_.Emit(v, at, 0, nullptr);
      if (gap < 0) {
        ended = true;
        break;
      }
      at += gap;
    }
    // Visitors done before the start never were (the server never heard of
    // them).
    if (ended) {
      --next_ordinal_;
      continue;
    }
    due_.push(Due{at, NewSlot(v)});
  }
}

uint32_t LiveClickstream::NewSlot(const ScriptedVisitor& visitor) {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = visitor;
    return slot;
  }
  slots_.push_back(visitor);
  return static_cast<uint32_t>(slots_.size() - 1);
}

void LiveClickstream::BeginSession() {
  const int64_t at = next_arrival_micros_;
  next_arrival_micros_ +=
      std::max<int64_t>(1, scripts_.Exponential(arrival_mean_micros_));
  ScriptedVisitor v;
  if (!returning_.empty() && returning_.top().micros <= at) {
    v = returning_.top().visitor;
    returning_.pop();
    scripts_.BeginNextSession(v);
    ++returning_sessions_;
  } else {
    v = scripts_.NewVisitor(next_ordinal_++);
  }
  due_.push(Due{at, NewSlot(v)});
}

LiveClickstream::Upcoming LiveClickstream::Peek() {
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  while (ready_ == Ready::kNone) {
    const int64_t due_at = due_.empty() ? kNever : due_.top().micros;
    const int64_t late_at = late_.empty() ? kNever : late_.front().send_micros;
    if (late_at <= due_at && late_at <= next_arrival_micros_) {
      ready_ = Ready::kLate;
      break;
    }
    if (next_arrival_micros_ < due_at) {
      BeginSession();
      continue;
    }
    ready_due_ = due_.top();
    due_.pop();
    if (std::uniform_real_distribution<>(0, 1)(rng_) < options_.late_share) {
      const int64_t delay = std::max<int64_t>(
          1000000, scripts_.Exponential(options_.late_mean_seconds * 1e6));
      Late late;
      late.send_micros = ready_due_.micros + delay;
      late.number = emitted_;
      late.tenant = slots_[ready_due_.slot].tenant;
      EmitDue(&late.event);
      late_.push_back(std::move(late));
      std::push_heap(late_.begin(), late_.end(), std::greater<Late>());
      continue;
    }
    ready_ = Ready::kDue;
  }
  if (ready_ == Ready::kLate)
    return Upcoming{late_.front().send_micros, late_.front().tenant};
  return Upcoming{ready_due_.micros, slots_[ready_due_.slot].tenant};
}

void LiveClickstream::Take(kaiku::v1::Event* event) {
  Peek();
  if (ready_ == Ready::kLate) {
    std::pop_heap(late_.begin(), late_.end(), std::greater<Late>());
    *event = std::move(late_.back().event);
    late_.pop_back();
    ++late_events_;
  } else {
    EmitDue(event);
  }
  ready_ = Ready::kNone;
  ++events_;
}

void LiveClickstream::EmitDue(kaiku::v1::Event* event) {
  const Due due = ready_due_;
  ScriptedVisitor& v = slots_[due.slot];
  if (!v.seen) {
    v.seen = true;
    ++visitors_seen_;
  }
  const int64_t gap = scripts_.Emit(v, due.micros, emitted_++, event);
  if (gap >= 0) {
    due_.push(Due{due.micros + gap, due.slot});
    return;
  }
  if (v.session + 1 < v.sessions) {
    const int64_t back = due.micros + scripts_.PauseBetweenSessions(v);
    if (back <= options_.end_micros) returning_.push(Returning{back, v});
  }
  free_slots_.push_back(due.slot);
}

}  // namespace kaiku::loadgen
