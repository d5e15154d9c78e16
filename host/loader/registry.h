#pragma once
// Plugin discovery and loading: scans plugin directories, loads each shared
// library with RTLD_LOCAL, checks its descriptor and keeps the ones that pass.
// Every file refused is kept with the reason, for `sluice plugins`.

#include <sluice/plugin.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/config/options.h"

namespace boost::dll { class shared_library; }

namespace sluice::loader {

const char* kindName(int32_t kind);

/// A plugin that loaded and passed every check. Immutable after loading.
struct Plugin {
  std::string name;
  std::string version;
  std::string description;
  std::string file;
  std::vector<std::string> aliases;
  int32_t kind = 0;
  uint32_t flags = 0;
  uint32_t maxTasks = 0;
  uint16_t abiMajor = 0;
  uint16_t abiMinor = 0;
  config::OptionTable options;
  sluice_plugin_descriptor desc{};  // host copy, zero-filled past the plugin's struct_size
  std::shared_ptr<boost::dll::shared_library> library;  // keeps the code mapped
};

struct RefusedFile {
  std::string file;
  std::string error;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Load every `*.so` in each directory and in their direct subdirectories.
  void scan(const std::vector<std::string>& dirs);
  /// Load one file; on refusal it is recorded in refused() and an error returned.
  Status loadFile(const std::string& path);

  /// Find by name, alias, Java class name (package stripped) or a Connect
  /// class name with the "Connector" suffix.
  const Plugin* find(std::string_view name) const;
  /// Like find, for transforms: strips and reports a `$Key` / `$Value` suffix.
  const Plugin* findTransform(std::string_view type, sluice_variant* variant) const;

  const std::vector<std::shared_ptr<const Plugin>>& plugins() const { return plugins_; }
  const std::vector<RefusedFile>& refused() const { return refused_; }

 private:
  const Plugin* findExact(std::string_view name) const;
  std::vector<std::shared_ptr<const Plugin>> plugins_;
  std::vector<RefusedFile> refused_;
};

/// The directory built-in plugins live in for this binary: build/plugins when
/// run from the build tree, <prefix>/lib/sluice/plugins when installed.
std::string defaultPluginDir();

}  // namespace sluice::loader
