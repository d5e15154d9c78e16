#pragma once
// postgres-sink: JSON record values into PostgreSQL tables (libpq), with the
// option names of Confluent's JDBC sink. Exactly-once: every put is one
// database transaction that writes the rows and, in an offsets table, the
// next Kafka offset of every partition it covers; the same transaction first
// locks and reads those offsets and skips the records below them, so a
// re-delivery (after a kill -9, a retried put, a rebalance) writes nothing
// twice. docs/connectors/postgres-sink.md has the whole behaviour.

#include <sluice/cpp/plugin.hpp>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pg.h"
#include "values.h"

namespace sluice_plugins {

class PostgresSink final : public sluice::SinkTask {
 public:
  explicit PostgresSink(const sluice::Init& init);
  ~PostgresSink() override;
  sluice::Status start() override;
  sluice::Status put(std::span<const sluice_record* const> records) override;
  sluice::Status flush() override;
  sluice::Status stop() override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

 private:
  enum class PkMode { kNone, kRecordKey, kRecordValue, kKafka };

  struct Column {
    std::string type;  // format_type()
    pgvalues::Category category;
  };
  struct Table {
    std::string schema;     // empty: the search_path decides
    std::string name;
    std::string qualified;  // quoted, schema-qualified when a schema was given
    bool loaded = false;    // read from the catalog on this connection
    bool exists = false;
    bool partitioned = false;
    std::map<std::string, Column> columns;
    std::set<int64_t> partitions;               // range starts ensured on this connection
  };

  // One record on its way to a table: columns in order, values as JSON.
  struct Row {
    const sluice_record* rec = nullptr;
    Table* table = nullptr;
    std::vector<std::pair<std::string, boost::json::value>> cols;
    size_t pkCount = 0;  // the first pkCount columns form the primary key
    std::vector<std::optional<std::string>> text;  // rendered for the table's column types
    int64_t timeMs = 0;
  };

  struct Errant {
    const sluice_record* rec;
    std::string why;
  };

  // Result of one attempt at writing a put in one transaction.
  enum class Outcome { kOk, kRetryPerRow, kFailed };

  sluice::Status connect();
  void disconnect(const std::string& why);
  Outcome writeBatch(std::span<const sluice_record* const> records, bool perRow, sluice::Status* status);
  /// Lock the offsets rows of these partitions and read their next offsets.
  bool lockOffsets(const std::set<std::pair<std::string, int32_t>>& tps,
                   std::map<std::pair<std::string, int32_t>, int64_t>* next, pg::Error* err);
  bool buildRow(const sluice_record* r, Row* row, std::string* why);
  Table* tableFor(std::string_view topic);  // cached for the last topic
  Table* resolveTable(std::string_view topic);
  bool loadTable(Table* t, pg::Error* err);
  /// auto.create / auto.evolve / partitions for the rows of one table; rows
  /// with a field that has no column (and may not get one) become errant.
  bool ensureSchema(Table* t, std::vector<Row*>& rows, std::vector<Errant>* errant, pg::Error* err);
  bool renderRow(Row* row, std::string* why);
  bool writeRows(Table* t, std::vector<Row*>& rows, bool perRow, std::vector<Errant>* errant, pg::Error* err);
  bool insertStatement(Table* t, const std::vector<std::string>& cols, std::vector<Row*>::const_iterator first,
                       std::vector<Row*>::const_iterator last, pg::Error* err);
  std::vector<std::string> conflictTarget(const Table& t, const Row& row) const;
  sluice::Status failure(const pg::Error& err, const std::string& what);

  // Config.
  std::string url_, user_, password_;
  std::string tableFormat_;
  bool upsert_ = false;
  PkMode pkMode_ = PkMode::kNone;
  std::vector<std::string> pkFields_;
  bool autoCreate_ = false, autoEvolve_ = false;
  size_t batchSize_ = 3000;
  std::string timeField_;
  pgvalues::Interval interval_ = pgvalues::Interval::kNone;
  std::string offsetsTable_;  // quoted
  std::string connector_;

  pg::Connection conn_;
  std::map<std::string, std::unique_ptr<Table>> tables_;  // by resolved name
  std::set<Table*> touched_;  // tables whose DDL ran in the open transaction
  std::string lastTopic_;
  Table* lastTable_ = nullptr;
  boost::json::storage_ptr storage_;  // the arena of the put being written
  uint64_t written_ = 0, skipped_ = 0;
};

}  // namespace sluice_plugins
