#include "tools/baselines/redis_writer.h"

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"

namespace kaiku::baselines {
namespace {

// KEYS[1] the visitor's stream, KEYS[2] its hash; ARGV: event id, event time
// (ms), payload, score weight.
constexpr char kScript[] = R"lua(
redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 't', ARGV[2], 'e', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'events', 1)
redis.call('HSET', KEYS[2], 'last_seen', ARGV[2])
return redis.call('HINCRBYFLOAT', KEYS[2], 'score', ARGV[4])
)lua";

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisWriter : public Writer {
 public:
  RedisWriter(std::unique_ptr<redisContext, ContextDeleter> context,
              std::string sha)
      : context_(std::move(context)), sha_(std::move(sha)) {}

  absl::Status Write(absl::Span<const Record> records) override {
    for (const Record& r : records) {
      const std::string stream =
          absl::StrCat("tl:", r.tenant, ":", r.visitor_id);
      const std::string hash = absl::StrCat("v:", r.tenant, ":", r.visitor_id);
      const std::string ms = absl::StrCat(r.occurred_micros / 1000);
      const char* argv[] = {
          "EVALSHA",      sha_.c_str(),     "2",
          stream.c_str(), hash.c_str(),     r.event_id.c_str(),
          ms.c_str(),     r.payload.data(), "1.5"};
      const size_t lens[] = {7,
                             sha_.size(),
                             1,
                             stream.size(),
                             hash.size(),
                             r.event_id.size(),
                             ms.size(),
                             r.payload.size(),
                             3};
      if (redisAppendCommandArgv(context_.get(), 9, argv, lens) != REDIS_OK)
        return absl::UnavailableError("redis: cannot queue a command");
    }
    absl::Status status;
    for (size_t i = 0; i < records.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_.get(), &raw) != REDIS_OK)
        return absl::UnavailableError(
            absl::StrCat("redis: ", context_->errstr));
      Reply reply(static_cast<redisReply*>(raw));
      if (reply->type == REDIS_REPLY_ERROR && status.ok())
        status = absl::UnavailableError(absl::StrCat("redis: ", reply->str));
    }
    return status;
  }

 private:
  std::unique_ptr<redisContext, ContextDeleter> context_;
  const std::string sha_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Writer>> OpenRedisWriter(const std::string& host,
                                                        int port) {
  std::unique_ptr<redisContext, ContextDeleter> context(
      redisConnect(host.c_str(), port));
  if (context == nullptr || context->err != 0)
    return absl::UnavailableError(
        absl::StrCat("redis at ", host, ":", port, ": ",
                     context == nullptr ? "cannot connect" : context->errstr));
  Reply reply(static_cast<redisReply*>(
      redisCommand(context.get(), "SCRIPT LOAD %s", kScript)));
  if (reply == nullptr || reply->type != REDIS_REPLY_STRING)
    return absl::UnavailableError("redis: SCRIPT LOAD failed");
  return std::make_unique<RedisWriter>(std::move(context),
                                       std::string(reply->str, reply->len));
}

}  // namespace kaiku::baselines
