// The Worker alone, as a herder drives it: it runs the tasks it is given and
// knows nothing of configs, target states or stores of configs.
#include "host/worker/worker.h"

#include "host/config/connector_config.h"
#include "tests/support/worker_fixture.h"

namespace sluice::runtime {
namespace {
using namespace std::chrono_literals;

class WorkerTasksTest : public test::WorkerFixture {
 protected:
  std::shared_ptr<const config::ConnectorPlan> plan(const std::string& name, config::ConfigMap cfg) {
    auto v = config::validateConnector(registry_, name, cfg);
    EXPECT_TRUE(v.ok()) << v.message();
    return std::make_shared<const config::ConnectorPlan>(std::move(v.plan));
  }
  std::vector<std::string> states(Worker& w, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& t : w.taskStatuses(name)) out.push_back(t.state);
    return out;
  }
};

TEST_F(WorkerTasksTest, RunsPausesResumesAndStopsTheTasksItIsGiven) {
  Worker w(wc_, *store_, *kafka_, metrics_);
  std::string out = dir_.file("out.txt");
  // A bounded source: an unbounded datagen outruns the mock cluster's log
  // retention, and the sink would keep falling off the beginning.
  w.startTasks("gen", plan("gen", {{"connector.class", "datagen"}, {"topic", "w1"}, {"tasks.max", "2"}, {"records", "2000"}}), false);
  w.startTasks("sink", plan("sink", {{"connector.class", "file-sink"}, {"topics", "w1"}, {"file", out}}), true);
  ASSERT_TRUE(test::waitFor([&] { return states(w, "gen") == std::vector<std::string>{"RUNNING", "RUNNING"}; }, 30s));
  ASSERT_TRUE(test::waitFor([&] { return states(w, "sink") == std::vector<std::string>{"PAUSED"}; }, 30s));
  EXPECT_TRUE(w.runsTasks("gen"));
  EXPECT_FALSE(w.runsTasks("nobody"));
  EXPECT_TRUE(w.taskStatuses("nobody").empty());

  // Paused: nothing reaches the file; resumed: records flow.
  EXPECT_TRUE(test::readLines(out).empty());
  w.resumeTasks("sink");
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 100; }, 30s));
  EXPECT_EQ(w.activeTopics("sink"), std::set<std::string>{"w1"});
  EXPECT_EQ(w.activeTopics("gen"), std::set<std::string>{"w1"});

  // Stopped: no task runs, and what the tasks recorded stays.
  w.stopTasks("sink");
  EXPECT_FALSE(w.runsTasks("sink"));
  EXPECT_EQ(w.activeTopics("sink"), std::set<std::string>{"w1"});
  w.resetActiveTopics("sink");
  EXPECT_TRUE(w.activeTopics("sink").empty());

  // Removed: gone at once with everything it kept, while its old tasks are
  // stopped by the caller; a new connector of the same name is its own.
  auto removed = w.removeConnector("gen");
  EXPECT_FALSE(w.runsTasks("gen"));
  EXPECT_TRUE(w.activeTopics("gen").empty());
  w.startTasks("gen", plan("gen", {{"connector.class", "datagen"}, {"topic", "w1b"}, {"records", "10"}}), false);
  removed.stop();
  EXPECT_EQ(states(w, "gen"), std::vector<std::string>{"RUNNING"}) << "stopping the old tasks left the new one alone";
  w.shutdown();
}

TEST_F(WorkerTasksTest, RestartsOneTaskOrOnlyTheFailedOnes) {
  Worker w(wc_, *store_, *kafka_, metrics_);
  std::string bad = dir_.file("bad.txt");
  w.startTasks("gen", plan("gen", {{"connector.class", "datagen"}, {"topic", "w2"}, {"records.per.second", "500"}}), false);
  w.startTasks("bad", plan("bad", {{"connector.class", "test-sink"}, {"topics", "w2"}, {"file", bad}, {"fail.after", "10"}}), false);
  ASSERT_TRUE(test::waitFor([&] { return states(w, "bad") == std::vector<std::string>{"FAILED"}; }, 60s));
  EXPECT_NE(w.taskStatuses("bad")[0].trace.find("failed on purpose after 10 records"), std::string::npos);

  // Only the failed ones: the healthy source is left alone.
  w.restartTasks("gen", true);
  EXPECT_EQ(states(w, "gen"), std::vector<std::string>{"RUNNING"});
  w.restartTasks("bad", true);
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(bad).size() >= 20; }, 60s)) << test::readLines(bad).size();

  EXPECT_EQ(w.restartTask("bad", 7).code(), Status::Code::kNotFound);
  EXPECT_EQ(w.restartTask("nobody", 0).code(), Status::Code::kNotFound);
  EXPECT_TRUE(w.restartTask("gen", 0).isOk());
  EXPECT_TRUE(test::waitFor([&] { return states(w, "gen") == std::vector<std::string>{"RUNNING"}; }, 30s));
  w.shutdown();
  // After the shutdown the worker starts nothing more.
  w.startTasks("late", plan("late", {{"connector.class", "datagen"}, {"topic", "w2"}}), false);
  EXPECT_FALSE(w.runsTasks("late"));
}

}  // namespace
}  // namespace sluice::runtime
