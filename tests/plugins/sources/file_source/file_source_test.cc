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
    ASSERT_TRUE(herder_->create("src", {{"connector.class", "FileStreamSource"}, {"file", in_}, {"topic", "lines"},
                                        {"value.converter", "string"}}).isOk());
    if (!sinkStarted_) {
      ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "lines"}, {"file", out_},
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
  ASSERT_TRUE(herder_->remove("src").isOk());
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

// Kafka Connect's FileStreamSource with its JsonConverter: a line goes to the
// topic as a JSON string (Jackson's escapes, malformed UTF-8 replaced as
// Java's decoder does), a line ends at LF, CR LF or a lone CR. file-sink with
// value.converter=json writes the string's content back; with string it
// writes the topic's bytes as they are.
TEST_F(FileSourceTest, JsonConverterCarriesLinesAsJsonStrings) {
  append(in_, "alpha\nsay \"hi\"\ttab\r\none\rtwo\ncaf\xC3\xA9 \xFF\n");
  ASSERT_TRUE(herder_->create("src", {{"connector.class", "FileStreamSource"}, {"file", in_}, {"topic", "jlines"}}).isOk());
  ASSERT_TRUE(herder_->create("text", {{"connector.class", "FileStreamSink"}, {"topics", "jlines"}, {"file", out_}}).isOk());
  std::string raw = dir_.file("raw.txt");
  ASSERT_TRUE(herder_->create("raw", {{"connector.class", "file-sink"}, {"topics", "jlines"}, {"file", raw},
                                      {"value.converter", "string"}}).isOk());
  const std::string fffd = "\xEF\xBF\xBD";
  std::vector<std::string> lines = {"alpha", "say \"hi\"\ttab", "one", "two", "caf\xC3\xA9 " + fffd};
  ASSERT_TRUE(waitFor([&] { return outputIs(lines); }, 30s)) << readFile(out_);
  std::vector<std::string> json = {R"("alpha")", R"("say \"hi\"\ttab")", R"("one")", R"("two")",
                                   "\"caf\xC3\xA9 " + fffd + "\""};
  ASSERT_TRUE(waitFor([&] { return readLines(raw) == json; }, 30s)) << readFile(raw);
  // The committed position is in bytes, past the last line's end.
  std::string end = "{\"position\":" + std::to_string(std::filesystem::file_size(in_)) + "}";
  ASSERT_TRUE(waitFor([&] { return store_->getOffset("src", R"({"filename":")" + in_ + R"("})") == end; }, 30s));
}

// With value.converter=json a value that is not JSON is a conversion error
// before file-sink sees it: errors.tolerance=none fails the task naming the
// record; all sends it to the dead letter queue as it was, and the rest go on.
TEST_F(FileSourceTest, AValueThatIsNotJsonIsAConversionError) {
  append(in_, "plain\n\"quoted\"\n{\"a\": 1}\n");
  ASSERT_TRUE(herder_->create("src", {{"connector.class", "FileStreamSource"}, {"file", in_}, {"topic", "plain"},
                                      {"value.converter", "string"}}).isOk());
  ASSERT_TRUE(herder_->create("strict", {{"connector.class", "FileStreamSink"}, {"topics", "plain"}, {"file", out_}}).isOk());
  std::string lenient = dir_.file("lenient.txt"), dead = dir_.file("dead.txt");
  ASSERT_TRUE(herder_->create("lenient", {{"connector.class", "FileStreamSink"}, {"topics", "plain"}, {"file", lenient},
                                          {"errors.tolerance", "all"},
                                          {"errors.deadletterqueue.topic.name", "plain-dlq"},
                                          {"errors.deadletterqueue.context.headers.enable", "true"}}).isOk());
  ASSERT_TRUE(herder_->create("dead", {{"connector.class", "FileStreamSink"}, {"topics", "plain-dlq"}, {"file", dead},
                                       {"value.converter", "string"}}).isOk());

  ASSERT_TRUE(waitFor([&] { return taskState("strict") == "FAILED"; }, 30s)) << taskState("strict");
  std::string trace = herder_->status("strict")->tasks[0].trace;
  EXPECT_NE(trace.find("plain-0@0 does not convert with value.converter=json"), std::string::npos) << trace;
  EXPECT_EQ(readFile(out_), "");  // nothing of that batch was written

  ASSERT_TRUE(waitFor([&] { return readLines(lenient) == std::vector<std::string>{"quoted", R"({"a": 1})"}; }, 30s))
      << readFile(lenient);
  ASSERT_TRUE(waitFor([&] { return readLines(dead) == std::vector<std::string>{"plain"}; }, 30s)) << readFile(dead);
  EXPECT_EQ(taskState("lenient"), "RUNNING");
}

}  // namespace
}  // namespace sluice::test
