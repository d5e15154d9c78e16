#pragma once
// Reading Prometheus text exposition format in tests.

#include <cmath>
#include <string>

namespace sluice::test {

/// The value of the sample written exactly as `series` (name and labels in
/// the serializer's order, e.g. `sluice_worker_tasks` or
/// `sluice_task_state{connector="c",kind="sink",state="RUNNING",task="0"}`);
/// NaN when there is none.
inline double promValue(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return std::nan("");
}

/// `name{connector="C",kind="K",task="T"}`: a task's series (labels sorted,
/// as the serializer writes them).
inline std::string taskSeries(const std::string& name, const std::string& connector, const std::string& kind,
                              int task = 0) {
  return name + "{connector=\"" + connector + "\",kind=\"" + kind + "\",task=\"" + std::to_string(task) + "\"}";
}

}  // namespace sluice::test
