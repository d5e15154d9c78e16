// JsonIndex against the document it stands in for: the same operations
// through the host API, once on a record whose context has a batch arena (the
// index answers top-level paths) and once on one without (always the
// document), must give the same statuses, values and bytes.
#include "host/record/json_index.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "host/abi/host_api.h"
#include "host/abi/plugin_instance.h"
#include "host/record/record.h"

namespace sluice::runtime {
namespace {

sluice_span sp(std::string_view s) { return sluice_span{s.data(), s.size()}; }

std::string describe(const sluice_value& v) {
  std::string out = "type=" + std::to_string(v.type);
  switch (v.type) {
    case SLUICE_TYPE_BOOL: out += " b=" + std::to_string(v.b); break;
    case SLUICE_TYPE_INT:
    case SLUICE_TYPE_OBJECT:
    case SLUICE_TYPE_ARRAY: out += " i=" + std::to_string(v.i); break;
    case SLUICE_TYPE_DOUBLE: out += " d=" + std::to_string(v.d); break;
    case SLUICE_TYPE_STRING: out += " s=" + std::string(v.str.data, v.str.len); break;
    default: break;
  }
  return out;
}

// One run of `ops` over `bytes`; returns a transcript of every answer and
// the bytes at the end.
using Ops = std::function<void(const sluice_host_api*, sluice_rec*, std::string&)>;

class JsonIndexTest : public ::testing::Test {
 protected:
  std::string run(const std::string& bytes, const Ops& ops, bool indexed, bool* wasIndexed = nullptr) {
    RecordContext ctx{str_.get(), json_.get(), {}};
    if (indexed) ctx.newArena();
    Record r;
    r.ctx = &ctx;
    r.topic = "t";
    r.value = RecordPart(bytes);
    std::string log;
    ops(hostApi(), reinterpret_cast<sluice_rec*>(&r), log);
    if (wasIndexed) *wasIndexed = r.value.parsed() && !r.value.parsedDoc();
    auto out = r.value.bytes(*json_);
    return log + " | bytes=" + (out ? std::string(*out) : "<null>");
  }

  void same(const std::string& bytes, const Ops& ops, bool expectIndexed) {
    bool wasIndexed = false;
    std::string viaIndex = run(bytes, ops, true, &wasIndexed);
    std::string viaDoc = run(bytes, ops, false);
    EXPECT_EQ(viaIndex, viaDoc) << "input: " << bytes;
    EXPECT_EQ(wasIndexed, expectIndexed) << "input: " << bytes;
  }

  std::unique_ptr<Converter> json_ = makeConverter("json");
  std::unique_ptr<Converter> str_ = makeConverter("string");
};

// Reads every top-level member, lists the keys, then edits.
void readAndEdit(const sluice_host_api* h, sluice_rec* r, std::string& log) {
  sluice_value v{};
  log += std::to_string(h->host_rec_get(r, SLUICE_PART_VALUE, nullptr, 0, &v)) + ":" + describe(v) + ";";
  sluice_span keys[64];
  size_t n = h->host_rec_keys(r, SLUICE_PART_VALUE, nullptr, 0, keys, 64);
  std::vector<std::string> names;
  for (size_t i = 0; i < n && i < 64; ++i) names.emplace_back(keys[i].data, keys[i].len);
  for (const auto& k : names) {
    sluice_span p = sp(k);
    log += k + "=" + std::to_string(h->host_rec_get(r, SLUICE_PART_VALUE, &p, 1, &v)) + ":" + describe(v) + ";";
    sluice_span j{};
    log += std::to_string(h->host_rec_get_json(r, SLUICE_PART_VALUE, &p, 1, &j)) + ":" +
           (j.data ? std::string(j.data, j.len) : "<none>") + ";";
  }
  sluice_span missing = sp("missing");
  log += std::to_string(h->host_rec_get(r, SLUICE_PART_VALUE, &missing, 1, &v)) + ":" + describe(v) + ";";
  log += std::to_string(h->host_rec_remove(r, SLUICE_PART_VALUE, &missing, 1)) + ";";
  // Set: an existing key of each type, and new keys (one needing escapes).
  sluice_value s{};
  s.type = SLUICE_TYPE_STRING;
  s.str = sp("new \"text\"\n\x01 é");
  sluice_span a = sp("a"), nk = sp("new\tkey"), d = sp("dbl"), b = sp("b"), obj = sp("o");
  log += std::to_string(h->host_rec_set(r, SLUICE_PART_VALUE, &a, 1, &s)) + ";";
  log += std::to_string(h->host_rec_set(r, SLUICE_PART_VALUE, &nk, 1, &s)) + ";";
  sluice_value dv{};
  dv.type = SLUICE_TYPE_DOUBLE;
  dv.d = 1.25;
  log += std::to_string(h->host_rec_set(r, SLUICE_PART_VALUE, &d, 1, &dv)) + ";";
  sluice_value bv{};
  bv.type = SLUICE_TYPE_BOOL;
  bv.b = 7;
  log += std::to_string(h->host_rec_set(r, SLUICE_PART_VALUE, &b, 1, &bv)) + ";";
  sluice_value ov{};
  ov.type = SLUICE_TYPE_OBJECT;
  log += std::to_string(h->host_rec_set(r, SLUICE_PART_VALUE, &obj, 1, &ov)) + ";";
  sluice_value bad{};
  bad.type = 99;
  log += std::to_string(h->host_rec_set(r, SLUICE_PART_VALUE, &a, 1, &bad)) + ";";
  // Read back what was set.
  for (sluice_span* p : {&a, &nk, &d, &b, &obj})
    log += std::to_string(h->host_rec_get(r, SLUICE_PART_VALUE, p, 1, &v)) + ":" + describe(v) + ";";
  // Remove the first original key (the last member moves into its place),
  // then move and copy.
  if (!names.empty()) {
    sluice_span first = sp(names.front());
    log += std::to_string(h->host_rec_remove(r, SLUICE_PART_VALUE, &first, 1)) + ";";
  }
  if (names.size() > 1) {
    sluice_span second = sp(names[1]), moved = sp("moved");
    log += std::to_string(h->host_rec_copy(r, SLUICE_PART_VALUE, &second, 1, SLUICE_PART_VALUE, &moved, 1, 1)) + ";";
    log += std::to_string(h->host_rec_copy(r, SLUICE_PART_VALUE, &moved, 1, SLUICE_PART_VALUE, &a, 1, 0)) + ";";
    log += std::to_string(h->host_rec_get(r, SLUICE_PART_VALUE, &a, 1, &v)) + ":" + describe(v) + ";";
  }
  log += std::to_string(h->host_rec_copy(r, SLUICE_PART_VALUE, &missing, 1, SLUICE_PART_VALUE, &a, 1, 1)) + ";";
  n = h->host_rec_keys(r, SLUICE_PART_VALUE, nullptr, 0, keys, 64);
  for (size_t i = 0; i < n && i < 64; ++i) log += std::string(keys[i].data, keys[i].len) + ",";
}

TEST_F(JsonIndexTest, AnswersAndBytesMatchTheDocumentOnObjectsItTakes) {
  for (const char* in : {
           R"({})",
           R"({"a":1})",
           R"({"seq":1000001,"key":"key-1","ts":1796000000000,"payload":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})",
           R"({"a":-12,"b":true,"c":false,"d":null,"e":"","f":{"x":[1,2,{"y":"z"}],"w":{}},"g":[],"h":[1,[2],{}]})",
           "{\"uni\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \x7f/\",\"a\":0}",
           R"({"n":123456789012345678,"m":-123456789012345678})",
       }) {
    same(in, readAndEdit, true);
  }
}

TEST_F(JsonIndexTest, DeclinesWhatItCannotWriteBackAsTheDocumentWouldAndTheDocumentAnswers) {
  for (const char* in : {
           R"({"a": 1})",                              // whitespace
           R"( {"a":1})",
           R"({"a":"x\ny"})",                          // an escape
           R"({"a":"\u00e9"})",
           R"({"a":1.5})",                             // a double
           R"({"a":1e3})",
           R"({"a":-0})",                              // written back as 0
           R"({"a":1234567890123456789})",             // 19 digits
           R"({"a":1,"a":2})",                         // a duplicate key
           R"([1,2])",                                 // not an object
           R"("text")",
           R"({"a":{"b":"c\"d"}})",                    // an escape deeper down
       }) {
    same(in, readAndEdit, false);
  }
  // 33 members: past kMaxMembers.
  std::string many = "{";
  for (int i = 0; i < 33; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  same(many + "}", readAndEdit, false);
}

TEST_F(JsonIndexTest, InvalidJsonFailsAsBeforeWhateverTheFieldAsked) {
  for (const char* in : {
           R"({"a":1)", R"({"a":1,})", R"({"a":01})", R"({"a":tru})", R"({"a":"x)", R"({a:1})", R"({"a":1}x)",
           "{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"tab\there\"}", "",
       }) {
    same(in, readAndEdit, false);
    // And the get itself says the record is bad.
    std::string t = run(in, [](const sluice_host_api* h, sluice_rec* r, std::string& log) {
      sluice_value v{};
      sluice_span a = sp("a");
      log += std::to_string(h->host_rec_get(r, SLUICE_PART_VALUE, &a, 1, &v));
    }, true);
    EXPECT_EQ(t.substr(0, t.find(' ')), std::to_string(SLUICE_BAD_RECORD)) << in;
  }
}

TEST_F(JsonIndexTest, NestingDepthFollowsTheParsersLimit) {
  auto nested = [](int depth) {  // the top-level object counts as one
    return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  same(nested(32), readAndEdit, true);
  same(nested(33), readAndEdit, false);
}

TEST_F(JsonIndexTest, ShortBytesMovedWithTheRecordStayReadable) {
  // Bytes in the string's own small buffer move when the record moves; the
  // index must not view them there.
  RecordContext ctx{str_.get(), json_.get(), {}};
  ctx.newArena();
  std::vector<Record> batch(1);
  batch[0].ctx = &ctx;
  batch[0].value = RecordPart(std::string(R"({"a":"b"})"));
  const sluice_host_api* h = hostApi();
  sluice_span a = sp("a");
  sluice_value v{};
  ASSERT_EQ(h->host_rec_get(reinterpret_cast<sluice_rec*>(&batch[0]), SLUICE_PART_VALUE, &a, 1, &v), SLUICE_OK);
  ASSERT_TRUE(batch[0].value.parsed());
  batch.resize(100);  // moves the record
  ASSERT_EQ(h->host_rec_get(reinterpret_cast<sluice_rec*>(&batch[0]), SLUICE_PART_VALUE, &a, 1, &v), SLUICE_OK);
  EXPECT_EQ(std::string(v.str.data, v.str.len), "b");
  sluice_value n{};
  n.type = SLUICE_TYPE_INT;
  n.i = 5;
  ASSERT_EQ(h->host_rec_set(reinterpret_cast<sluice_rec*>(&batch[0]), SLUICE_PART_VALUE, &a, 1, &n), SLUICE_OK);
  Record copy = batch[0];  // a copy writes the changes into its own bytes
  EXPECT_EQ(*copy.value.bytes(*json_), R"({"a":5})");
  EXPECT_EQ(*batch[0].value.bytes(*json_), R"({"a":5})");
}

TEST_F(JsonIndexTest, BorrowedBytesOwnedBeforeTheMessageGoesKeepTheChanges) {
  RecordContext ctx{str_.get(), json_.get(), {}};
  ctx.newArena();
  auto payload = std::make_unique<std::string>(R"({"keep":"this value is longer than a small string","x":1})");
  Record r;
  r.ctx = &ctx;
  r.value = RecordPart::borrowed(*payload);
  sluice_span x = sp("x");
  sluice_value n{};
  n.type = SLUICE_TYPE_INT;
  n.i = 2;
  ASSERT_EQ(hostApi()->host_rec_set(reinterpret_cast<sluice_rec*>(&r), SLUICE_PART_VALUE, &x, 1, &n), SLUICE_OK);
  r.value.own();
  payload->assign(payload->size(), '?');
  payload.reset();
  EXPECT_EQ(*r.value.bytes(*json_), R"({"keep":"this value is longer than a small string","x":2})");
}

}  // namespace
}  // namespace sluice::runtime

namespace sluice::runtime {
namespace {

// Random edits of a few objects (a fixed seed, so a failure repeats): every
// text the index takes must be valid JSON that Boost.JSON writes back byte
// for byte, and the index must write it back the same. The one known
// exception, a nested duplicate key, is counted and left out.
TEST(JsonIndexPropertyTest, EverythingItTakesIsValidAndWrittenBackUnchanged) {
  namespace json = boost::json;
  std::mt19937 rng(42);
  const std::vector<std::string> seeds = {
      R"({"seq":1000001,"key":"key-1","ts":1796000000000,"payload":"xxxxxxxxxxxxxxxxxxxxxxxx"})",
      R"({"a":-12,"b":true,"c":false,"d":null,"e":"","f":{"x":[1,2,{"y":"z"}],"w":{}},"g":[],"h":[1,[2],{}]})",
      "{\"uni\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\",\"a\":0}",
      R"({"a":{"b":{"c":[[[]]]}}})"};
  const std::string alphabet = std::string("{}[]\":,-0123456789.eEtrufalsn \\\x01\x7f\xc3\xa9\xed\xa0\xf0\x9f\x80") + "abxyz";
  std::function<size_t(const json::value&)> members = [&](const json::value& x) -> size_t {
    size_t n = 0;
    if (x.is_object())
      for (const auto& kv : x.as_object()) n += 1 + members(kv.value());
    if (x.is_array())
      for (const auto& e : x.as_array()) n += members(e);
    return n;
  };
  int accepted = 0;
  for (int iter = 0; iter < 200000; ++iter) {
    std::string s = seeds[rng() % seeds.size()];
    for (int m = 0, muts = 1 + static_cast<int>(rng() % 4); m < muts; ++m) {
      const size_t pos = rng() % (s.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
        case 1: if (pos < s.size()) s.erase(pos, 1); break;
        default: if (pos < s.size()) s[pos] = c; break;
      }
    }
    json::monotonic_resource arena;
    JsonIndex* ix = JsonIndex::build(s, arena);
    if (!ix) continue;
    ++accepted;
    boost::system::error_code ec;
    json::value v = json::parse(s, ec);
    ASSERT_FALSE(ec) << "took invalid JSON: " << s;
    // Strings hold no quote, so each `":` ends a key: fewer members in the
    // document than keys in the text means a duplicate was dropped.
    size_t keysInText = 0;
    for (size_t i = 0; i + 1 < s.size(); ++i) keysInText += s[i] == '"' && s[i + 1] == ':';
    if (keysInText != members(v)) continue;
    ASSERT_EQ(json::serialize(v), s);
    ASSERT_EQ(ix->serialize(), s);
  }
  EXPECT_GT(accepted, 10000) << "the edits should leave many texts the index takes";
}

}  // namespace
}  // namespace sluice::runtime
