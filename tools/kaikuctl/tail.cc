// kaikuctl tail [--from earliest|latest|CURSOR] [--consumer NAME] [--limit N]
//               [--timeout SECONDS] [--heartbeats]
// Prints the tenant's score events as JSON lines (kaiku.v1.ScoreEvent), oldest
// first, until --limit events were printed, --timeout seconds passed, or the
// stream ends. With --consumer, a stream without --from resumes after the
// consumer's committed cursor, and the cursor of the last printed event is
// committed on the way out, so the next `tail --consumer NAME` continues
// there.
#include <iostream>

#include "absl/strings/numbers.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {
namespace {

int Commit(const Connection& connection, const std::string& consumer,
           const std::string& cursor) {
  kaiku::v1::Scores::Stub stub(connection.channel);
  kaiku::v1::CommitCursorRequest request;
  request.set_consumer_name(consumer);
  request.set_cursor(cursor);
  kaiku::v1::CommitCursorResponse response;
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(30);
  grpc::Status status = stub.CommitCursor(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError("tail: committing the cursor", status);
    return 1;
  }
  return 0;
}

}  // namespace

int RunTail(const Connection& connection, const Args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "usage: kaikuctl tail [--from earliest|latest|CURSOR] "
                 "[--consumer NAME] [--limit N] [--timeout SECONDS] "
                 "[--heartbeats]\n";
    return 2;
  }
  int64_t limit = 0;
  int timeout = 0;
  if (!absl::SimpleAtoi(args.Get("--limit", "0"), &limit) || limit < 0) {
    std::cerr << "--limit: must be a number >= 0 (0: no limit)\n";
    return 2;
  }
  if (!absl::SimpleAtoi(args.Get("--timeout", "0"), &timeout) || timeout < 0) {
    std::cerr << "--timeout: must be seconds >= 0 (0: none)\n";
    return 2;
  }
  kaiku::v1::SubscribeRequest request;
  const std::string consumer = args.Get("--consumer", "");
  request.set_consumer_name(consumer);
  const std::string from = args.Get("--from", consumer.empty() ? "latest" : "");
  if (from == "earliest") {
    request.set_from_earliest(true);
  } else if (from == "latest") {
    request.set_from_latest(true);
  } else if (!from.empty()) {
    request.set_after_cursor(from);
  }

  kaiku::v1::Scores::Stub stub(connection.channel);
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(timeout);
  std::unique_ptr<grpc::ClientReader<kaiku::v1::ScoreEvent>> reader =
      stub.Subscribe(context.get(), request);
  kaiku::v1::ScoreEvent event;
  std::string last_cursor;
  int64_t printed = 0;
  const bool heartbeats = args.Has("--heartbeats");
  while (reader->Read(&event)) {
    const bool heartbeat =
        event.kind() == kaiku::v1::SCORE_EVENT_KIND_HEARTBEAT;
    if (!heartbeat || heartbeats) PrintJson(event, /*pretty=*/false);
    std::cout.flush();
    if (heartbeat) continue;
    last_cursor = event.cursor();
    if (limit > 0 && ++printed >= limit) {
      context->TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  int exit_code = 0;
  const bool normal_end =
      status.ok() || status.error_code() == grpc::StatusCode::CANCELLED ||
      (timeout > 0 &&
       status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  if (!normal_end) {
    PrintRpcError("tail", status);
    exit_code = 1;
  }
  if (!consumer.empty() && !last_cursor.empty()) {
    exit_code = std::max(exit_code, Commit(connection, consumer, last_cursor));
  }
  return exit_code;
}

}  // namespace kaiku::kaikuctl
