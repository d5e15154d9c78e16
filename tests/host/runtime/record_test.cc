// RecordPart's borrowed bytes (a sink record's key and value are views into
// its Kafka message until something changes them) and the plugin batch's
// views of records.
#include "host/runtime/record.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "host/runtime/plugin_batch.h"

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

}  // namespace
}  // namespace sluice::runtime
