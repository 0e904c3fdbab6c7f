#include "tools/baselines/postgres_writer.h"

#include <libpq-fe.h>

#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace kaiku::baselines {
namespace {

constexpr char kSchema[] = R"sql(
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS events (
  tenant text NOT NULL,
  event_id text NOT NULL,
  visitor_id text NOT NULL,
  occurred_micros bigint NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (tenant, event_id));
CREATE INDEX IF NOT EXISTS events_by_visitor
  ON events (tenant, visitor_id, occurred_micros);
CREATE TABLE IF NOT EXISTS visitors (
  tenant text NOT NULL,
  visitor_id text NOT NULL,
  events bigint NOT NULL,
  last_seen_micros bigint NOT NULL,
  score double precision NOT NULL,
  PRIMARY KEY (tenant, visitor_id));
)sql";

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

absl::StatusOr<Conn> Connect(const std::string& conninfo) {
  Conn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return absl::UnavailableError(
        absl::StrCat("postgres: ", PQerrorMessage(conn.get())));
  return conn;
}

absl::Status Exec(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  absl::Status s;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    s = absl::UnavailableError(
        absl::StrCat("postgres: ", PQresultErrorMessage(result)));
  PQclear(result);
  return s;
}

class PostgresWriter : public Writer {
 public:
  explicit PostgresWriter(Conn conn) : conn_(std::move(conn)) {}

  absl::Status Write(absl::Span<const Record> records) override {
    // Aggregates per visitor first: one upsert may not touch a row twice.
    struct Aggregate {
      int64_t events = 0;
      int64_t last_seen = 0;
    };
    std::map<std::pair<std::string, std::string>, Aggregate> visitors;
    sql_ = "BEGIN;INSERT INTO events VALUES ";
    for (size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      absl::StrAppend(&sql_, i == 0 ? "(" : ",(", Literal(r.tenant), ",",
                      Literal(r.event_id), ",", Literal(r.visitor_id), ",",
                      r.occurred_micros, ",'\\x",
                      absl::BytesToHexString(r.payload), "')");
      Aggregate& a = visitors[{r.tenant, r.visitor_id}];
      ++a.events;
      a.last_seen = std::max(a.last_seen, r.occurred_micros);
    }
    sql_ += " ON CONFLICT DO NOTHING;INSERT INTO visitors VALUES ";
    bool first = true;
    for (const auto& [key, a] : visitors) {
      absl::StrAppend(&sql_, first ? "(" : ",(", Literal(key.first), ",",
                      Literal(key.second), ",", a.events, ",", a.last_seen, ",",
                      1.5 * static_cast<double>(a.events), ")");
      first = false;
    }
    sql_ +=
        " ON CONFLICT (tenant, visitor_id) DO UPDATE SET"
        " events = visitors.events + EXCLUDED.events,"
        " last_seen_micros = GREATEST(visitors.last_seen_micros,"
        " EXCLUDED.last_seen_micros),"
        " score = visitors.score + EXCLUDED.score;COMMIT;";
    return Exec(conn_.get(), sql_);
  }

 private:
  std::string Literal(const std::string& s) {
    std::string out(2 * s.size() + 3, '\0');
    out[0] = '\'';
    int error = 0;
    const size_t n = PQescapeStringConn(conn_.get(), out.data() + 1, s.data(),
                                        s.size(), &error);
    out.resize(n + 1);
    out += '\'';
    return out;
  }

  Conn conn_;
  std::string sql_;
};

}  // namespace

absl::Status CreatePostgresTables(const std::string& conninfo) {
  absl::StatusOr<Conn> conn = Connect(conninfo);
  if (!conn.ok()) return conn.status();
  return Exec(conn->get(), kSchema);
}

absl::StatusOr<std::unique_ptr<Writer>> OpenPostgresWriter(
    const std::string& conninfo) {
  absl::StatusOr<Conn> conn = Connect(conninfo);
  if (!conn.ok()) return conn.status();
  return std::make_unique<PostgresWriter>(*std::move(conn));
}

}  // namespace kaiku::baselines
