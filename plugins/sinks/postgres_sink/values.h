#pragma once
// JSON values to PostgreSQL columns: the type a new column gets (auto.create,
// auto.evolve), the text a value is sent as for a column of a given type (or
// why it does not fit), times (epoch milliseconds or ISO-8601 text), and the
// time ranges of partitions. Pure functions, no I/O.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice_plugins::pgvalues {

/// Column type for a new column holding `v` (nullopt for null: no type yet).
std::optional<std::string> inferType(const boost::json::value& v);

/// Broad category of a column's type, from format_type() text.
enum class Category { kInteger, kFloat, kNumeric, kBoolean, kJson, kTimestamp, kText, kOther };
Category categorize(std::string_view formatType);

/// Render `v` (not null) as PostgreSQL text input for a column of
/// `category`. False and `why` when the JSON type does not fit the column.
bool render(const boost::json::value& v, Category category, std::string* out, std::string* why);

/// A JSON kind for messages: "a string \"abc\"", "an object", "the number 1.5".
std::string describe(const boost::json::value& v);

/// Parse ISO-8601 text: YYYY-MM-DD, optionally followed by [T or space]
/// HH:MM[:SS[.fraction]] and Z or +HH[:MM] / -HH[:MM]; no zone means UTC.
std::optional<int64_t> parseIsoMillis(std::string_view s);
/// Epoch ms from a time field: an integer (epoch ms) or ISO-8601 text.
std::optional<int64_t> timeMillis(const boost::json::value& v);
/// "2026-11-30 14:05:00.123+00", timestamptz input text for epoch ms.
std::string formatMillis(int64_t ms);

enum class Interval { kNone, kHourly, kDaily, kMonthly };
/// The [start, end) range in epoch ms of the partition holding `ms`, and the
/// suffix of its table name ("_p2026113014", "_p20261130", "_p202611").
struct Range {
  int64_t start;
  int64_t end;
  std::string suffix;
};
Range partitionRange(int64_t ms, Interval interval);

/// Append `s` escaped for COPY text format.
void appendCopyEscaped(std::string& out, std::string_view s);

}  // namespace sluice_plugins::pgvalues
