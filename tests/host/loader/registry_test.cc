#include "host/loader/registry.h"

#include <gtest/gtest.h>
#include <sluice/version.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace sluice::loader {
namespace {
namespace fs = std::filesystem;

const RefusedFile* refusedFile(const Registry& r, const std::string& suffix) {
  for (const auto& f : r.refused())
    if (f.file.ends_with(suffix)) return &f;
  return nullptr;
}

TEST(RegistryTest, LoadsEveryBuiltInPlugin) {
  Registry r;
  r.scan({test::pluginDir()});
  EXPECT_TRUE(r.refused().empty()) << r.refused().front().file << ": " << r.refused().front().error;
  for (const char* name : {"datagen", "file-source", "file-sink", "null-sink", "InsertField", "ReplaceField",
                           "MaskField", "Cast", "ValueToKey", "ExtractField", "HoistField", "Flatten",
                           "TimestampRouter", "RegexRouter", "TimestampConverter", "Filter", "InsertHeader",
                           "DropHeaders", "HeaderFrom", "TopicNameMatches", "HasHeaderKey", "RecordIsTombstone"}) {
    const Plugin* p = r.find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->abiMajor, SLUICE_ABI_MAJOR);
  }
}

TEST(RegistryTest, FindsConnectClassNamesAndAliases) {
  Registry r;
  r.scan({test::pluginDir()});
  EXPECT_EQ(r.find("org.apache.kafka.connect.file.FileStreamSourceConnector")->name, "file-source");
  EXPECT_EQ(r.find("FileStreamSink")->name, "file-sink");
  sluice_variant v;
  const Plugin* p = r.findTransform("org.apache.kafka.connect.transforms.InsertField$Key", &v);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "InsertField");
  EXPECT_EQ(v, SLUICE_VARIANT_KEY);
  EXPECT_EQ(r.findTransform("RegexRouter$Value", &v), nullptr) << "RegexRouter has no $Value variant";
  EXPECT_EQ(r.find("NoSuchThing"), nullptr);
}

TEST(RegistryTest, RefusesBrokenFilesAndKeepsLoadingTheRest) {
  test::TempDir dir;
  for (const auto& e : fs::directory_iterator(test::buildDir() + "/test-plugins/broken"))
    fs::copy(e.path(), dir.file(e.path().filename()));
  test::writeFile(dir.file("not_a_plugin.so"), "this is text, not an ELF file\n");
  test::writeFile(dir.file("README.txt"), "ignored: not a .so\n");

  Registry r;
  r.scan({dir.path()});
  ASSERT_EQ(r.plugins().size(), 2u);
  const Plugin* good = r.find("good-c-sink");
  ASSERT_NE(good, nullptr);
  // A smaller (older) descriptor loads, and what lies past its struct_size is
  // never read: the host copy is zero there.
  const Plugin* old = r.find("old-small-sink");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->desc.on_apply, nullptr);
  EXPECT_EQ(old->desc.on_commit_record, nullptr) << "an older plugin never gets the ABI 1.2 hook";
  EXPECT_NE(old->desc.on_put, nullptr);

  auto expectRefused = [&](const std::string& file, const std::string& text) {
    const RefusedFile* f = refusedFile(r, file);
    ASSERT_NE(f, nullptr) << file << " was not refused";
    EXPECT_NE(f->error.find(text), std::string::npos) << file << ": " << f->error;
  };
  expectRefused("not_a_plugin.so", "not a loadable shared library");
  expectRefused("no_entry.so", "no 'sluice_plugin_entry' symbol");
  const std::string minor = std::to_string(SLUICE_ABI_MINOR);
  expectRefused("abi_major.so", "plugin ABI 2." + minor + " is incompatible with host ABI 1." + minor);
  expectRefused("abi_minor.so", "plugin needs ABI 1." + std::to_string(SLUICE_ABI_MINOR + 1) +
                                    " but this host provides ABI 1." + minor);
  expectRefused("missing_hook.so", "lacks required hook on_put");
  expectRefused("bad_options.so", "options_json entry without a name");
  // duplicate.so sorts before good_c_sink.so, so the later file is the duplicate.
  expectRefused("good_c_sink.so", "duplicate plugin name 'good-c-sink' (already loaded from");
  EXPECT_EQ(refusedFile(r, "README.txt"), nullptr);
  EXPECT_EQ(r.refused().size(), 7u);
}

TEST(RegistryTest, ReportsMissingDirectory) {
  Registry r;
  r.scan({"/nonexistent/plugins"});
  ASSERT_EQ(r.refused().size(), 1u);
  EXPECT_NE(r.refused()[0].error.find("does not exist"), std::string::npos);
}

TEST(RegistryTest, ParsesOptionTables) {
  Registry r;
  r.scan({test::pluginDir()});
  const Plugin* p = r.find("datagen");
  ASSERT_NE(p, nullptr);
  const auto* topic = config::findOption(p->options, "topic");
  ASSERT_NE(topic, nullptr);
  EXPECT_TRUE(topic->required);
  const auto* records = config::findOption(p->options, "records");
  ASSERT_NE(records, nullptr);
  EXPECT_EQ(records->type, "long");
  EXPECT_EQ(records->defaultValue.value_or("?"), "0");
  EXPECT_EQ(records->min.value_or(-1), 0);
}

}  // namespace
}  // namespace sluice::loader
