#include "lib/loadgen/clickstream.h"

#include <algorithm>

namespace kaiku::loadgen {

SyntheticClickstream::SyntheticClickstream(const ClickstreamOptions& options)
    : options_(options), rng_(options.seed), scripts_(options.mix, &rng_) {
  const int64_t n = std::max<int64_t>(options_.visitors, 1);
  slots_.resize(static_cast<size_t>(n));
  const double ramp = std::max(options_.ramp_hours, 0.0) * 3600e6;
  for (uint32_t slot = 0; slot < slots_.size(); ++slot) {
    const int64_t at =
        options_.start_micros +
        static_cast<int64_t>(std::uniform_real_distribution<>(0, ramp)(rng_));
    NewVisitor(slot, at);
  }
}

void SyntheticClickstream::NewVisitor(uint32_t slot, int64_t at) {
  slots_[slot] = scripts_.NewVisitor(next_ordinal_++);
  due_.push(Due{at, slot});
}

void SyntheticClickstream::Next(kaiku::v1::Event* event) {
  const Due due = due_.top();
  due_.pop();
  ScriptedVisitor& v = slots_[due.slot];
  if (v.session == 0 && v.step == 0) ++visitors_seen_;
  const int64_t gap = scripts_.Emit(v, due.micros, events_, event);
  ++events_;
  if (gap >= 0) {
    due_.push(Due{due.micros + gap, due.slot});
    return;
  }
  if (v.session + 1 < v.sessions) {
    const int64_t pause = scripts_.PauseBetweenSessions(v);
    scripts_.BeginNextSession(v);
    due_.push(Due{due.micros + pause, due.slot});
    return;
  }
  // Done: a new visitor takes the slot, so the number active stays the same.
  NewVisitor(due.slot, due.micros + static_cast<int64_t>(
                                        scripts_.Exponential(12.0 * 3600e6)));
}

}  // namespace kaiku::loadgen
