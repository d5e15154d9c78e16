// file-source through a real worker: tails, resumes at its byte offset after
// a restart, and follows rotation and truncation.
#include <filesystem>
#include <fstream>

#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app);
  out << text;
}

class FileSourceTest : public WorkerFixture {
 protected:
  void startPipeline() {
    ASSERT_TRUE(worker_->create("src", {{"connector.class", "FileStreamSource"}, {"file", in_}, {"topic", "lines"},
                                        {"value.converter", "string"}}).isOk());
    if (!sinkStarted_) {
      ASSERT_TRUE(worker_->create("sink", {{"connector.class", "file-sink"}, {"topics", "lines"}, {"file", out_},
                                           {"value.converter", "string"}}).isOk());
      sinkStarted_ = true;
    }
  }
  bool outputIs(const std::vector<std::string>& want) { return readLines(out_) == want; }

  std::string in_ = dir_.file("in.txt");
  std::string out_ = dir_.file("out.txt");
  bool sinkStarted_ = false;
};

TEST_F(FileSourceTest, TailsResumesAndFollowsRotationAndTruncation) {
  append(in_, "a\nb\n");
  startPipeline();
  ASSERT_TRUE(waitFor([&] { return outputIs({"a", "b"}); }, 30s)) << readFile(out_);

  append(in_, "c\npartial");  // a line without its newline is not emitted yet
  ASSERT_TRUE(waitFor([&] { return outputIs({"a", "b", "c"}); }, 30s)) << readFile(out_);
  append(in_, " line\n");
  ASSERT_TRUE(waitFor([&] { return outputIs({"a", "b", "c", "partial line"}); }, 30s)) << readFile(out_);

  // Restart the source only: it resumes at the committed byte position.
  ASSERT_TRUE(waitFor([&] { return store_->getOffset("src", R"({"filename":")" + in_ + R"("})").has_value(); }, 10s));
  ASSERT_TRUE(worker_->remove("src").isOk());
  append(in_, "d\n");
  startPipeline();
  ASSERT_TRUE(waitFor([&] { return outputIs({"a", "b", "c", "partial line", "d"}); }, 30s)) << readFile(out_);

  // Rotation: the path now names a new file.
  std::filesystem::rename(in_, in_ + ".1");
  append(in_, "e\n");
  ASSERT_TRUE(waitFor([&] { return outputIs({"a", "b", "c", "partial line", "d", "e"}); }, 30s)) << readFile(out_);

  // Truncation: the file shrinks below our position.
  append(in_, "f\ng\n");
  ASSERT_TRUE(waitFor([&] { return readLines(out_).size() == 8; }, 30s)) << readFile(out_);
  { std::ofstream trunc(in_, std::ios::trunc); trunc << "h\n"; }
  ASSERT_TRUE(waitFor([&] { return readLines(out_).size() == 9; }, 30s)) << readFile(out_);
  EXPECT_EQ(readLines(out_).back(), "h");
  EXPECT_EQ(taskState("src"), "RUNNING");
}

// Many lines of varied length across several 64 KiB reads, some ending in
// \r\n: every line arrives once, in order, and the committed position is
// the end of the file (the reader keeps a cursor into its buffer instead of
// erasing each line, so the arithmetic across reads is what is checked).
TEST_F(FileSourceTest, ReadsManyLinesAcrossBufferRefillsAndCommitsTheEnd) {
  std::vector<std::string> want;
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    want.push_back("line-" + std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'x'));
    text += want.back() + (i % 7 == 0 ? "\r\n" : "\n");
  }
  append(in_, text);
  startPipeline();
  ASSERT_TRUE(waitFor([&] { return readLines(out_).size() >= want.size(); }, 30s)) << readLines(out_).size();
  EXPECT_TRUE(outputIs(want));
  std::string end = "{\"position\":" + std::to_string(std::filesystem::file_size(in_)) + "}";
  ASSERT_TRUE(waitFor([&] { return store_->getOffset("src", R"({"filename":")" + in_ + R"("})") == end; }, 30s));
}

TEST_F(FileSourceTest, WaitsForAFileThatDoesNotExistYet) {
  startPipeline();
  ASSERT_TRUE(waitFor([&] { return taskState("src") == "RUNNING"; }, 10s));
  append(in_, "late\n");
  ASSERT_TRUE(waitFor([&] { return outputIs({"late"}); }, 30s)) << readFile(out_);
}

}  // namespace
}  // namespace sluice::test
