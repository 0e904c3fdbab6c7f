#include "lib/scoring/visitor_state.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace kaiku::scoring {
namespace {

// Format version 3 (versions 1 and 2 are read too: they lack the last
// fields). Times are
// stored as distances back from last_event, so most take one to four bytes;
// "opt" times store 0 for "none", else the distance + 1.
//
//   u8      version (2)
//   fixed32 model_fingerprint
//   varint  event_count, session_count, last_event, last_event - first_seen
//   varint  opt page_time; if set: u8 page_type, u8 page_engaged,
//           fixed32 page_url_hash
//   fixed32 click_bucket (float), varint zero_dwell_streak, u8 bot
//   u8      level; varint last_event - level_since; varint opt last_drop
//   u8      segment, u8 stage, u8 disqualifier + 1
//   varint  n, varint bit set of the non-zero signals, then each: version 3
//           a varint, 2·v for a whole number v in 1 .. 2^24 (counts, days,
//           hours: one to four bytes), else 1 and fixed32 (float); versions
//           1 and 2 fixed32 (float)
//   varint  n, n × { varint opt last_fired, varint m, m × varint distance }
//   u8      published level, segment, stage, disqualifier + 1;
//   varint  published pending_triggers
//   varint  opt published as_of, as zigzag(as_of - last_event) (version 2)
//   varint  n, n × varint opt mark                            (version 3)
//   varint  m, m × { fixed32 url_hash, varint count }         (version 3)
//
// Enum values are the proto numbers (stable by the API's rules).
constexpr uint8_t kFormatVersion = 3;

class Writer {
 public:
  explicit Writer(int64_t last_event) : last_event_(last_event) {}
  void U8(uint32_t v) { out_.push_back(static_cast<char>(v)); }
  void Fixed32(uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out_.append(b, 4);
  }
  void Float(float f) {
    uint32_t v;
    std::memcpy(&v, &f, 4);
    Fixed32(v);
  }
  void Signal(float f) {
    if (f >= 1 && f <= 16777216.0f &&
        f == static_cast<float>(static_cast<uint32_t>(f))) {
      Varint(uint64_t{static_cast<uint32_t>(f)} << 1);
    } else {
      Varint(1);
      Float(f);
    }
  }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Back(int64_t t) { Varint(static_cast<uint64_t>(last_event_ - t)); }
  void OptBack(int64_t t) {
    Varint(t == 0 ? 0 : static_cast<uint64_t>(last_event_ - t) + 1);
  }
  // 0 for 0 ("none"), else zigzag(t - last_event) + 1.
  void OptSigned(int64_t t) {
    if (t == 0) return Varint(0);
    const int64_t d = t - last_event_;
    Varint(((static_cast<uint64_t>(d) << 1) ^ static_cast<uint64_t>(d >> 63)) +
           1);
  }
  std::string Take() { return std::move(out_); }

 private:
  const int64_t last_event_;
  std::string out_;
};

class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  void set_last_event(int64_t t) { last_event_ = t; }
  uint32_t U8() {
    if (in_.empty()) return Fail();
    uint32_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint32_t Fixed32() {
    if (in_.size() < 4) return Fail();
    uint32_t v;
    std::memcpy(&v, in_.data(), 4);
    in_.remove_prefix(4);
    return v;
  }
  float Float() {
    uint32_t v = Fixed32();
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  float Signal() {
    const uint64_t tag = Varint();
    if (tag == 1) return Float();
    if ((tag & 1) != 0 || tag == 0 || tag > (uint64_t{16777216} << 1)) {
      Fail();
      return 0;
    }
    return static_cast<float>(tag >> 1);
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      uint8_t b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      v |= uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) return v;
    }
    return Fail();
  }
  int64_t Back() { return last_event_ - static_cast<int64_t>(Varint()); }
  int64_t OptBack() {
    uint64_t v = Varint();
    return v == 0 ? 0 : last_event_ - static_cast<int64_t>(v - 1);
  }
  int64_t OptSigned() {
    const uint64_t v = Varint();
    if (v == 0) return 0;
    const uint64_t u = v - 1;
    const int64_t d =
        static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    const int64_t t = static_cast<int64_t>(static_cast<uint64_t>(last_event_) +
                                           static_cast<uint64_t>(d));
    return t == 0 ? Fail() : t;  // 0 is written as 0
  }
  // A count that must fit what is left (one byte per element at least).
  size_t Count() {
    uint64_t n = Varint();
    if (n > in_.size()) return Fail();
    return static_cast<size_t>(n);
  }
  bool AtEnd() const { return in_.empty(); }

 private:
  uint32_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  absl::string_view in_;
  int64_t last_event_ = 0;
  bool ok_ = true;
};

// Whether every field holds a value this code writes, so a corrupt record is
// refused rather than scored.
bool Canonical(const VisitorState& s) {
  const auto level_ok = [](int v) {
    return v >= kaiku::v1::LEVEL_COLD && v <= kaiku::v1::LEVEL_SALES_READY;
  };
  const auto segment_ok = [](int v) {
    return v >= kaiku::v1::SEGMENT_INFORMATION_SEEKER &&
           v <= kaiku::v1::SEGMENT_BUYER;
  };
  const auto stage_ok = [](int v) {
    return v >= kaiku::v1::STAGE_AWARENESS && v <= kaiku::v1::STAGE_CUSTOMER;
  };
  if (s.event_count < 0 || s.session_count < 0 || s.last_event < 0 ||
      s.zero_dwell_streak < 0)
    return false;
  if (s.page_time != 0 && !kaiku::v1::PageType_IsValid(s.page_type))
    return false;
  if (static_cast<uint8_t>(s.bot) >
      static_cast<uint8_t>(BotReason::kZeroDwellStreak))
    return false;
  if (!level_ok(s.level) || !segment_ok(s.segment) || !stage_ok(s.stage))
    return false;
  if (!level_ok(s.published.level) || !segment_ok(s.published.segment) ||
      !stage_ok(s.published.stage))
    return false;
  if (!(s.click_bucket >= 0) || s.triggers.size() > 32) return false;
  for (float v : s.signals)
    if (!(v >= 0) || v == std::numeric_limits<float>::infinity()) return false;
  for (const TriggerState& t : s.triggers)
    if (t.recent.size() > 32) return false;
  if (s.marks.size() > 64 || s.top_urls.size() > 16) return false;
  for (int64_t mark : s.marks)
    if (mark < 0 || mark > s.last_event) return false;
  return s.published.pending_triggers >> s.triggers.size() == 0;
}

}  // namespace

std::string EncodeVisitorState(const VisitorState& s) {
  Writer w(s.last_event);
  w.U8(kFormatVersion);
  w.Fixed32(s.model_fingerprint);
  w.Varint(static_cast<uint64_t>(s.event_count));
  w.Varint(static_cast<uint64_t>(s.session_count));
  w.Varint(static_cast<uint64_t>(s.last_event));
  w.Back(s.first_seen);
  w.OptBack(s.page_time);
  if (s.page_time != 0) {
    w.U8(s.page_type);
    w.U8(s.page_engaged ? 1 : 0);
    w.Fixed32(s.page_url_hash);
  }
  w.Float(s.click_bucket);
  w.Varint(static_cast<uint64_t>(s.zero_dwell_streak));
  w.U8(static_cast<uint8_t>(s.bot));
  w.U8(s.level);
  w.Back(s.level_since);
  w.OptBack(s.last_drop);
  w.U8(s.segment);
  w.U8(s.stage);
  w.U8(static_cast<uint32_t>(s.disqualifier + 1));
  w.Varint(s.signals.size());
  uint64_t nonzero = 0;
  for (size_t i = 0; i < s.signals.size(); ++i)
    if (s.signals[i] != 0.0f) nonzero |= uint64_t{1} << i;
  w.Varint(nonzero);
  for (float v : s.signals)
    if (v != 0.0f) w.Signal(v);
  w.Varint(s.triggers.size());
  for (const TriggerState& t : s.triggers) {
    w.OptBack(t.last_fired);
    w.Varint(t.recent.size());
    for (int64_t time : t.recent) w.Back(time);
  }
  w.U8(s.published.level);
  w.U8(s.published.segment);
  w.U8(s.published.stage);
  w.U8(static_cast<uint32_t>(s.published.disqualifier + 1));
  w.Varint(s.published.pending_triggers);
  w.OptSigned(s.published.as_of);
  w.Varint(s.marks.size());
  for (int64_t mark : s.marks) w.OptBack(mark);
  w.Varint(s.top_urls.size());
  for (const UrlCount& u : s.top_urls) {
    w.Fixed32(u.url_hash);
    w.Varint(u.count);
  }
  return w.Take();
}

absl::StatusOr<VisitorState> DecodeVisitorState(absl::string_view bytes) {
  Reader r(bytes);
  VisitorState s;
  const uint32_t version = r.U8();
  if (r.ok() && (version < 1 || version > kFormatVersion)) {
    return absl::DataLossError(
        absl::StrCat("visitor state: unknown format version ", version));
  }
  s.model_fingerprint = r.Fixed32();
  s.event_count = static_cast<int64_t>(r.Varint());
  s.session_count = static_cast<int64_t>(r.Varint());
  s.last_event = static_cast<int64_t>(r.Varint());
  r.set_last_event(s.last_event);
  s.first_seen = r.Back();
  s.page_time = r.OptBack();
  if (s.page_time != 0) {
    s.page_type = static_cast<kaiku::v1::PageType>(r.U8());
    const uint32_t engaged = r.U8();
    if (engaged > 1) return absl::DataLossError("visitor state: corrupt flag");
    s.page_engaged = engaged == 1;
    s.page_url_hash = r.Fixed32();
  }
  s.click_bucket = r.Float();
  s.zero_dwell_streak = static_cast<int32_t>(r.Varint());
  s.bot = static_cast<BotReason>(r.U8());
  s.level = static_cast<kaiku::v1::Level>(r.U8());
  s.level_since = r.Back();
  s.last_drop = r.OptBack();
  s.segment = static_cast<kaiku::v1::Segment>(r.U8());
  s.stage = static_cast<kaiku::v1::Stage>(r.U8());
  s.disqualifier = static_cast<int>(r.U8()) - 1;
  const uint64_t signals = r.Varint();  // sparse: not bounded by what is left
  if (signals > 64) return absl::DataLossError("visitor state: corrupt");
  s.signals.resize(signals);
  const uint64_t nonzero = r.Varint();
  if (signals < 64 && nonzero >> signals != 0)
    return absl::DataLossError("visitor state: corrupt signal set");
  for (size_t i = 0; i < s.signals.size(); ++i) {
    if (nonzero >> i & 1) s.signals[i] = version >= 3 ? r.Signal() : r.Float();
  }
  s.triggers.resize(r.Count());
  for (TriggerState& t : s.triggers) {
    t.last_fired = r.OptBack();
    t.recent.resize(r.Count());
    for (int64_t& time : t.recent) time = r.Back();
  }
  s.published.level = static_cast<kaiku::v1::Level>(r.U8());
  s.published.segment = static_cast<kaiku::v1::Segment>(r.U8());
  s.published.stage = static_cast<kaiku::v1::Stage>(r.U8());
  s.published.disqualifier = static_cast<int>(r.U8()) - 1;
  const uint64_t pending = r.Varint();
  if (pending > std::numeric_limits<uint32_t>::max())
    return absl::DataLossError("visitor state: corrupt trigger set");
  s.published.pending_triggers = static_cast<uint32_t>(pending);
  if (version >= 2) s.published.as_of = r.OptSigned();
  if (version >= 3) {
    s.marks.resize(r.Count());
    for (int64_t& mark : s.marks) mark = r.OptBack();
    s.top_urls.resize(r.Count());
    for (UrlCount& u : s.top_urls) {
      u.url_hash = r.Fixed32();
      const uint64_t count = r.Varint();
      if (count > std::numeric_limits<uint32_t>::max())
        return absl::DataLossError("visitor state: corrupt URL count");
      u.count = static_cast<uint32_t>(count);
    }
  }
  if (!r.ok() || !r.AtEnd() || !Canonical(s)) {
    return absl::DataLossError("visitor state: truncated or corrupt record");
  }
  return s;
}

}  // namespace kaiku::scoring
