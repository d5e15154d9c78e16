// RecordPart's borrowed bytes (a sink record's key and value are views into
// its Kafka message until something changes them) and the plugin batch's
// views of records.
#include "host/record/record.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "host/abi/plugin_batch.h"

namespace sluice::runtime {
namespace {

// Vectors of records move them when they grow; a throwing move would make
// them copy, and a copy owns its bytes (a copy of every key and value).
static_assert(std::is_nothrow_move_constructible_v<Record>);
static_assert(std::is_nothrow_move_assignable_v<Record>);

class RecordPartTest : public ::testing::Test {
 protected:
  std::unique_ptr<Converter> json_ = makeConverter("json");
  std::unique_ptr<Converter> str_ = makeConverter("string");
  RecordContext rctx_{str_.get(), json_.get(), {}};
};

TEST_F(RecordPartTest, BorrowedBytesAreTheCallersMemoryUntilSet) {
  std::string payload = R"({"a":1})";
  RecordPart p = RecordPart::borrowed(payload);
  EXPECT_TRUE(p.isBorrowed());
  ASSERT_TRUE(p.bytes(*json_));
  EXPECT_EQ(p.bytes(*json_)->data(), payload.data());  // not copied
  EXPECT_EQ(*p.rawBytes(), payload);

  p.setBytes(std::string("x"));
  EXPECT_FALSE(p.isBorrowed());
  EXPECT_EQ(*p.bytes(*json_), "x");
  EXPECT_NE(p.bytes(*json_)->data(), payload.data());
  p.setBytes(std::nullopt);
  EXPECT_FALSE(p.bytes(*json_));
}

TEST_F(RecordPartTest, ATouchedDocumentReplacesTheBorrowedBytes) {
  std::string payload = R"({"a":1})";
  RecordPart p = RecordPart::borrowed(payload);
  Status err = Status::ok();
  boost::json::value* d = p.doc(*json_, &err);
  ASSERT_NE(d, nullptr) << err.message();
  EXPECT_TRUE(p.isBorrowed());  // parsing alone copies nothing into the part
  d->as_object()["a"] = 2;
  p.touch();
  auto b = p.bytes(*json_);
  EXPECT_FALSE(p.isBorrowed());
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, R"({"a":2})");
  payload.assign(payload.size(), '?');  // the original may go now
  EXPECT_EQ(*p.bytes(*json_), R"({"a":2})");
}

TEST_F(RecordPartTest, ACopyOwnsItsBytesAndOwnCopiesThem) {
  auto payload = std::make_unique<std::string>("value bytes longer than any small-string buffer");
  RecordPart p = RecordPart::borrowed(*payload);
  RecordPart copy = p;
  RecordPart assigned;
  assigned = p;
  EXPECT_FALSE(copy.isBorrowed());
  EXPECT_FALSE(assigned.isBorrowed());
  RecordPart moved = std::move(p);
  EXPECT_TRUE(moved.isBorrowed());  // a move keeps the view (the record moves its message along)
  moved.own();
  EXPECT_FALSE(moved.isBorrowed());
  std::string expected = *payload;
  payload.reset();
  EXPECT_EQ(*copy.rawBytes(), expected);
  EXPECT_EQ(*assigned.rawBytes(), expected);
  EXPECT_EQ(*moved.rawBytes(), expected);
}

TEST_F(RecordPartTest, AnEmptyBorrowedValueIsNotNull) {
  RecordPart p = RecordPart::borrowed(std::string_view("", 0));
  ASSERT_TRUE(p.rawBytes());
  EXPECT_TRUE(p.rawBytes()->empty());
  EXPECT_FALSE(RecordPart().rawBytes());
}

TEST_F(RecordPartTest, PluginBatchViewsTheBorrowedBytesAndEachRecordsHeaders) {
  std::string v0 = "v0", v1 = "v1", v2 = "v2";
  std::vector<Record> batch(3);
  std::string_view vals[] = {v0, v1, v2};
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].ctx = &rctx_;
    batch[i].topic = "t";
    batch[i].partition = 0;
    batch[i].offset = static_cast<int64_t>(i);
    batch[i].value = RecordPart::borrowed(vals[i]);
  }
  batch[0].headers = {{"a", "1"}, {"b", std::nullopt}};
  batch[2].headers = {{"c", "3"}};
  PluginBatch pb(batch, rctx_);
  ASSERT_EQ(pb.recs().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(pb.recs()[i].value.data, vals[i].data());
    EXPECT_EQ(pb.recs()[i].value.len, 2u);
    EXPECT_EQ(pb.recs()[i].key.data, nullptr);
    EXPECT_EQ(pb.ptrs()[i], &pb.recs()[i]);
  }
  ASSERT_EQ(pb.recs()[0].header_count, 2u);
  EXPECT_EQ(std::string_view(pb.recs()[0].headers[0].key.data, pb.recs()[0].headers[0].key.len), "a");
  EXPECT_EQ(std::string_view(pb.recs()[0].headers[0].value.data, pb.recs()[0].headers[0].value.len), "1");
  EXPECT_EQ(std::string_view(pb.recs()[0].headers[1].key.data, pb.recs()[0].headers[1].key.len), "b");
  EXPECT_EQ(pb.recs()[0].headers[1].value.data, nullptr);
  EXPECT_EQ(pb.recs()[1].header_count, 0u);
  ASSERT_EQ(pb.recs()[2].header_count, 1u);
  EXPECT_EQ(std::string_view(pb.recs()[2].headers[0].key.data, pb.recs()[2].headers[0].key.len), "c");
  EXPECT_EQ(std::string_view(pb.recs()[2].headers[0].value.data, pb.recs()[2].headers[0].value.len), "3");
  EXPECT_EQ(pb.bytes(), 6.0);
}

TEST_F(RecordPartTest, APluginBatchNeverHandsOutTheAddressesOfItsLastFills) {
  std::vector<Record> batch(5);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].ctx = &rctx_;
    batch[i].topic = "t";
    batch[i].offset = static_cast<int64_t>(i);
  }
  PluginBatch pb;
  pb.fill(batch, rctx_);
  std::vector<const sluice_record*> kept = pb.ptrs();  // what a buggy plugin keeps
  for (size_t call = 1; call < PluginBatch::kRotation; ++call) {
    pb.fill(batch, rctx_);  // the same records again, as after RETRIABLE
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSERT_EQ(pb.indexOf(pb.ptrs()[i]), i);
      EXPECT_EQ(pb.recs()[i].offset, static_cast<int64_t>(i));
      EXPECT_FALSE(pb.indexOf(kept[i]).has_value()) << "a pointer kept " << call << " calls ago aliased record " << i;
      EXPECT_NE(pb.whyNotInBatch(kept[i]).find("not one of this call's records"), std::string::npos);
    }
  }
  sluice_record foreign{};
  EXPECT_FALSE(pb.indexOf(&foreign).has_value());
  EXPECT_NE(pb.whyNotInBatch(&foreign).find("not one of this call's records ("), std::string::npos);
  EXPECT_FALSE(pb.indexOf(nullptr).has_value());
  // A misaligned pointer into the current array is no record either.
  auto* inside = reinterpret_cast<const sluice_record*>(reinterpret_cast<const char*>(pb.ptrs()[1]) + 8);
  EXPECT_FALSE(pb.indexOf(inside).has_value());
}

// Text values (SLUICE_FLAG_TEXT_VALUES): what Kafka Connect's JsonConverter
// writes for a string. The expected bytes are Jackson's escapes (checked
// against Connect itself by scripts/compare/file_compare.py).
TEST(TextValuesTest, JsonConverterWritesTextAsJacksonDoes) {
  auto json = makeConverter("json");
  EXPECT_FALSE(json->textIsBytes());
  EXPECT_EQ(json->fromText("alpha"), "\"alpha\"");
  EXPECT_EQ(json->fromText(""), "\"\"");
  EXPECT_EQ(json->fromText("say \"hi\" \\ / ok"), R"("say \"hi\" \\ / ok")");
  EXPECT_EQ(json->fromText(std::string("\b\t\n\f\r\x01\x1f\x7f", 8)), R"("\b\t\n\f\r\u0001\u001F)" "\x7f\"");
  EXPECT_EQ(json->fromText(std::string("nul\0!", 5)), R"("nul\u0000!")");
  // UTF-8 goes as it is, U+2028 included; above U+FFFF Jackson writes the
  // UTF-16 surrogate pair as escapes.
  EXPECT_EQ(json->fromText("caf\xC3\xA9 \xE2\x80\xA8 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x80\xA8 \\uD83D\\uDE00\"");
  EXPECT_EQ(json->fromText("\xF4\x8F\xBF\xBF"), R"("\uDBFF\uDFFF")");  // U+10FFFF
}

// As Java's UTF-8 decoder (Connect's FileStreamSource reads with it) replaces them.
TEST(TextValuesTest, MalformedUtf8IsReplacedAsJavaReplacesIt) {
  const std::string fffd = "\xEF\xBF\xBD";
  auto enc = [](std::string_view s) { return jsonStringOfText(s); };
  EXPECT_EQ(enc("a\xFF" "b"), "\"a" + fffd + "b\"");                  // never a lead byte
  EXPECT_EQ(enc("\xC0\xAF"), "\"" + fffd + fffd + "\"");              // overlong lead, then a lone continuation
  EXPECT_EQ(enc("\xE2\x82"), "\"" + fffd + "\"");                    // truncated at the end: one
  EXPECT_EQ(enc("\xE2\x82" "A"), "\"" + fffd + "A\"");              // truncated before ASCII: one
  EXPECT_EQ(enc("\xED\xA0\x80"), "\"" + fffd + "\"");                 // an encoded surrogate: one for three bytes
  EXPECT_EQ(enc("\xED\xA0" "A"), "\"" + fffd + "A\"");                 // its first two bytes: one
  EXPECT_EQ(enc("\xE0\x9F\x80"), "\"" + fffd + fffd + fffd + "\"");  // overlong: one each
  EXPECT_EQ(enc("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
  EXPECT_EQ(enc("\xF0\x9F\x98"), "\"" + fffd + "\"");               // 3 of 4 bytes: one
  EXPECT_EQ(enc("\x80\x80"), "\"" + fffd + fffd + "\"");
}

TEST(TextValuesTest, JsonConverterReadsTextBack) {
  auto json = makeConverter("json");
  std::optional<std::string> out;
  ASSERT_TRUE(json->toText(R"("alpha")", &out));
  EXPECT_EQ(out, "alpha");
  for (std::string_view line : {"say \"hi\"", "tab\there", "caf\xC3\xA9", "\x01"}) {
    ASSERT_TRUE(json->toText(json->fromText(line), &out)) << line;
    EXPECT_EQ(out, std::string(line));
  }
  ASSERT_TRUE(json->toText(R"({"a": 1})", &out));  // not a string: its JSON text
  EXPECT_EQ(out, R"({"a": 1})");
  ASSERT_TRUE(json->toText("null", &out));
  EXPECT_FALSE(out.has_value());
  Status s = json->toText("alpha", &out);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("not valid JSON"), std::string::npos) << s.message();

  auto str = makeConverter("string");
  EXPECT_TRUE(str->textIsBytes());
  EXPECT_EQ(str->fromText("alpha"), "alpha");
  EXPECT_EQ(textValueConverter(true, json.get()), json.get());
  EXPECT_EQ(textValueConverter(true, str.get()), nullptr);  // nothing to do
  EXPECT_EQ(textValueConverter(false, json.get()), nullptr);
}

// A sink taking text values gets the decoded text; the record keeps its
// bytes (for the dead letter queue); a value that does not convert goes to
// the error callback and is dropped.
TEST(TextValuesTest, DecodedForThePutAndBytesKept) {
  auto json = makeConverter("json");
  auto str = makeConverter("string");
  RecordContext rctx{str.get(), json.get(), {}};
  std::vector<Record> batch(3);
  batch[0].value = RecordPart(std::string(R"("alpha")"));
  batch[1].value = RecordPart(std::string("not json"));
  batch[2].value = RecordPart(std::string(R"({"b":2})"));
  for (auto& r : batch) r.ctx = &rctx;
  std::vector<std::string> errors;
  ASSERT_TRUE(decodeTextValues(batch, *json, [&](Record&, const Status& e) {
    errors.push_back(e.message());
    return Status::ok();
  }));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(batch[1].dropped);
  EXPECT_EQ(*batch[0].value.rawBytes(), R"("alpha")");
  std::erase_if(batch, [](const Record& r) { return r.dropped; });
  PluginBatch pb(batch, rctx);
  ASSERT_EQ(pb.recs().size(), 2u);
  EXPECT_EQ(std::string_view(pb.recs()[0].value.data, pb.recs()[0].value.len), "alpha");
  EXPECT_EQ(std::string_view(pb.recs()[1].value.data, pb.recs()[1].value.len), R"({"b":2})");
  // An error from the callback ends the call.
  std::vector<Record> bad(1);
  bad[0].value = RecordPart(std::string("nope"));
  EXPECT_FALSE(decodeTextValues(bad, *json, [](Record&, const Status& e) { return Status::fatal(e.message()); }));
}

}  // namespace
}  // namespace sluice::runtime
