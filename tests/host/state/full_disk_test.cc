// state.dir on a file system that fills up: a real tmpfs of a few MiB,
// mounted for the test (it needs root; it is skipped, saying so, without).
// The worker must never die of it: failed checkpoints are logged, counted
// and shown in the task status, records keep flowing, and checkpoints
// succeed again by themselves once space returns. A store that cannot open
// is refused naming its path.
#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "host/state/rocks_store.h"
#include "tests/support/prom_text.h"
#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Mount a tmpfs of `size` at `dir` (created); an error message, or "".
// The mount is made in a mount namespace of this process's own (ctest runs
// each test in a process of its own), so it goes with the process, however
// that ends. Call before any thread starts (unshare refuses otherwise).
std::string mountTmpfs(const std::string& dir, const char* size) {
  fs::create_directories(dir);
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("cannot make a mount namespace: ") + std::strerror(errno) + " (the test needs root)";
  std::string opts = std::string("size=") + size;
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) != 0)
    return std::string("cannot mount a tmpfs at ") + dir + ": " + std::strerror(errno) + " (the test needs root)";
  return "";
}

// Fill the file system of `dir` with a file until it is full.
void fill(const std::string& file) {
  std::ofstream out(file, std::ios::binary);
  std::string mb(1 << 20, 'x');
  while (out.write(mb.data(), static_cast<std::streamsize>(mb.size()))) {
  }
}

TEST(FullDiskStoreTest, AStoreThatCannotOpenIsRefusedNamingThePath) {
  TempDir dir;
  std::string mnt = dir.file("small");
  if (auto err = mountTmpfs(mnt, "2m"); !err.empty()) GTEST_SKIP() << err;
  fill(mnt + "/filler");
  {
    auto s = state::RocksStore::open(mnt + "/state");
    EXPECT_FALSE(s.isOk());
    if (!s.isOk()) {
      EXPECT_NE(s.status().message().find(mnt + "/state"), std::string::npos) << s.status().message();
      EXPECT_NE(s.status().message().find("No space left on device"), std::string::npos) << s.status().message();
    }
  }
  ::umount2(mnt.c_str(), MNT_DETACH);
}

class FullDiskTest : public WorkerFixture {
 protected:
  void configure() override {
    mounted_ = mountTmpfs(dir_.file("state"), "48m");
    wc_.checkpointIntervalMs = 200;
  }
  void SetUp() override {
    WorkerFixture::SetUp();
    if (!mounted_.empty()) GTEST_SKIP() << mounted_;
  }
  void TearDown() override {
    WorkerFixture::TearDown();
    store_.reset();
    if (mounted_.empty()) ::umount2(dir_.file("state").c_str(), MNT_DETACH);
  }
  double get(const std::string& series) { return promValue(metrics_.serialize(), series); }
  std::optional<runtime::Task::CheckpointTrouble> trouble(const std::string& name) {
    auto s = herder_->status(name);
    if (!s.isOk() || s->tasks.empty()) return std::nullopt;
    return s->tasks[0].checkpoint;
  }
  std::string mounted_;
};

TEST_F(FullDiskTest, CheckpointsFailWithoutKillingTheWorkerAndRecoverWhenSpaceReturns) {
  // Every record a new key in a day-long window: operator state grows with
  // every checkpoint.
  ASSERT_TRUE(herder_->create("dd", {{"connector.class", "datagen"}, {"topic", "dd"}, {"records.per.second", "5000"},
                                     {"keys", "100000000"}, {"transforms", "dedup"},
                                     {"transforms.dedup.type", "Deduplicate"},
                                     {"transforms.dedup.window.ms", "86400000"}}).isOk());
  std::string checkpoints = taskSeries("sluice_task_checkpoints_total", "dd", "source");
  std::string failures = taskSeries("sluice_task_checkpoint_failures_total", "dd", "source");
  std::string out = taskSeries("sluice_task_records_out_total", "dd", "source");
  ASSERT_TRUE(waitFor([&] { return get(checkpoints) >= 2; }, 30s)) << metrics_.serialize();

  std::string filler = dir_.file("state") + "/filler";
  fill(filler);
  ASSERT_TRUE(waitFor([&] { return trouble("dd").has_value(); }, 30s)) << "no checkpoint failed on a full disk";
  auto t = *trouble("dd");
  EXPECT_NE(t.error.find(dir_.file("state")), std::string::npos) << t.error;
  EXPECT_NE(t.error.find("No space left on device"), std::string::npos) << t.error;
  EXPECT_GT(get(failures), 0);
  // RocksDB retries on its own while the disk is full (the RocksDB 7.8 of
  // Debian aborted the process within about 20 s of this); the task keeps
  // running and producing meanwhile.
  double outBefore = get(out);
  auto fullSince = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor([&] {
    return std::chrono::steady_clock::now() - fullSince >= 25s && trouble("dd") && trouble("dd")->failures >= 20;
  }, 60s)) << (trouble("dd") ? trouble("dd")->failures : 0);
  EXPECT_EQ(taskState("dd"), "RUNNING");
  EXPECT_GT(get(out), outBefore) << "records stopped flowing while checkpoints failed";

  // Space returns: checkpoints succeed again, with no restart.
  fs::remove(filler);
  double before = get(checkpoints);
  ASSERT_TRUE(waitFor([&] { return !trouble("dd") && get(checkpoints) > before; }, 60s))
      << (trouble("dd") ? trouble("dd")->error : "");
  EXPECT_EQ(taskState("dd"), "RUNNING");
}

}  // namespace
}  // namespace sluice::test
