// kaikuctl get VISITOR [--limit N] [--pretty]: the visitor's profile as JSON,
// with up to
// --limit timeline events (default 1000), fetched page by page.
#include <iostream>

#include "absl/strings/numbers.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {

int RunGet(const Connection& connection, const Args& args) {
  if (args.positional.size() != 2) {
    std::cerr << "usage: kaikuctl get VISITOR_ID [--limit N] [--pretty]\n";
    return 2;
  }
  int limit = 1000;
  if (!absl::SimpleAtoi(args.Get("--limit", "1000"), &limit) || limit < 0) {
    std::cerr << "--limit: must be a number >= 0\n";
    return 2;
  }
  kaiku::v1::Scores::Stub stub(connection.channel);
  kaiku::v1::VisitorProfile profile;
  kaiku::v1::GetVisitorRequest request;
  request.set_visitor_id(args.positional[1]);
  do {
    request.set_timeline_page_size(
        std::clamp(limit - profile.timeline_size(), 1, 1000));
    kaiku::v1::VisitorProfile page;
    std::unique_ptr<grpc::ClientContext> context = connection.NewContext(30);
    grpc::Status status = stub.GetVisitor(context.get(), request, &page);
    if (!status.ok()) {
      PrintRpcError("get", status);
      return 1;
    }
    auto timeline = std::move(*page.mutable_timeline());
    page.clear_timeline();
    auto merged = std::move(*profile.mutable_timeline());
    profile = std::move(page);
    *profile.mutable_timeline() = std::move(merged);
    for (auto& e : timeline) {
      if (profile.timeline_size() < limit)
        *profile.add_timeline() = std::move(e);
    }
    request.set_timeline_page_token(profile.next_timeline_page_token());
  } while (!request.timeline_page_token().empty() &&
           profile.timeline_size() < limit);

  PrintJson(profile, args.Has("--pretty"));
  return 0;
}

}  // namespace kaiku::kaikuctl
