#include "host/loader/registry.h"

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>

#include "host/common/log.h"

namespace sluice::loader {
namespace fs = std::filesystem;

namespace {
const log::Tag kTag{"sluice.loader", "", -1};

// The smallest descriptor the host can work with: everything up to on_destroy.
constexpr size_t kMinDescriptorSize =
    offsetof(sluice_plugin_descriptor, on_destroy) + sizeof(void*);

std::string abiString(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::vector<std::string> splitAliases(const char* s) {
  std::vector<std::string> out;
  if (!s) return out;
  std::string cur;
  for (const char* p = s;; ++p) {
    if (*p == ',' || *p == '\0') {
      while (!cur.empty() && cur.back() == ' ') cur.pop_back();
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      if (*p == '\0') break;
    } else if (!(*p == ' ' && cur.empty())) {
      cur += *p;
    }
  }
  return out;
}

std::string missingHook(const sluice_plugin_descriptor& d) {
  if (!d.on_create) return "on_create";
  if (!d.on_destroy) return "on_destroy";
  switch (d.kind) {
    case SLUICE_KIND_SOURCE:
      if (!d.on_poll) return "on_poll";
      break;
    case SLUICE_KIND_SINK:
      if (!d.on_put) return "on_put";
      if (!d.on_flush) return "on_flush";
      break;
    case SLUICE_KIND_TRANSFORM:
      if (!d.on_apply) return "on_apply";
      break;
    case SLUICE_KIND_PREDICATE:
      if (!d.on_test) return "on_test";
      break;
  }
  return {};
}
}  // namespace

const char* kindName(int32_t kind) {
  switch (kind) {
    case SLUICE_KIND_SOURCE: return "source";
    case SLUICE_KIND_SINK: return "sink";
    case SLUICE_KIND_TRANSFORM: return "transform";
    case SLUICE_KIND_PREDICATE: return "predicate";
  }
  return "unknown";
}

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::scan(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      refused_.push_back({dir, "plugin directory does not exist or is not a directory"});
      SLUICE_LOG(kTag, log::Level::kWarn, "plugin.path entry " + dir + " is not a directory");
      continue;
    }
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_directory()) {
        for (const auto& sub : fs::directory_iterator(e.path(), ec))
          if (sub.is_regular_file() && sub.path().extension() == ".so") files.push_back(sub.path());
      } else if (e.is_regular_file() && e.path().extension() == ".so") {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) (void)loadFile(f);
  }
}

Status Registry::loadFile(const std::string& path) {
  auto refuse = [&](std::string why) {
    SLUICE_LOG(kTag, log::Level::kWarn, "refused plugin file " + path + ": " + why);
    refused_.push_back({path, why});
    return Status::invalid(path + ": " + why);
  };

  auto lib = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  lib->load(path, ec, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  if (ec) {
    const char* dl = dlerror();
    return refuse(std::string("not a loadable shared library (") + (dl ? dl : ec.message()) + ")");
  }
  if (!lib->has(SLUICE_ENTRY_SYMBOL))
    return refuse(std::string("not a Sluice plugin: no '") + SLUICE_ENTRY_SYMBOL + "' symbol");

  auto entry = lib->get<const sluice_plugin_descriptor*()>(SLUICE_ENTRY_SYMBOL);
  const sluice_plugin_descriptor* d = entry();
  if (!d) return refuse("entry symbol returned no descriptor");
  // ABI major first, before reading anything else that could have moved.
  if (d->abi_major != SLUICE_ABI_MAJOR)
    return refuse("plugin ABI " + abiString(d->abi_major, d->abi_minor) +
                  " is incompatible with host ABI " + abiString(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR) +
                  " (major versions differ)");
  if (d->abi_minor > SLUICE_ABI_MINOR)
    return refuse("plugin needs ABI " + abiString(d->abi_major, d->abi_minor) +
                  " but this host provides ABI " + abiString(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR) +
                  " (upgrade the host)");
  if (d->struct_size < kMinDescriptorSize)
    return refuse("descriptor struct_size " + std::to_string(d->struct_size) + " is too small");

  auto p = std::make_shared<Plugin>();
  std::memcpy(&p->desc, d, std::min<size_t>(d->struct_size, sizeof(sluice_plugin_descriptor)));
  const auto& c = p->desc;
  if (c.kind < SLUICE_KIND_SOURCE || c.kind > SLUICE_KIND_PREDICATE)
    return refuse("descriptor has unknown kind " + std::to_string(c.kind));
  if (!c.name || !*c.name) return refuse("descriptor has no name");
  if (auto hook = missingHook(c); !hook.empty())
    return refuse(std::string("plugin '") + c.name + "' (" + kindName(c.kind) + ") lacks required hook " + hook);
  if (const Plugin* dup = findExact(c.name))
    return refuse(std::string("duplicate plugin name '") + c.name + "' (already loaded from " + dup->file + ")");
  auto opts = config::parseOptionTable(c.options_json ? c.options_json : "[]");
  if (!opts) return refuse(std::string("plugin '") + c.name + "': " + opts.status().message());

  p->name = c.name;
  p->version = c.version ? c.version : "unknown";
  p->description = c.description ? c.description : "";
  p->file = path;
  p->aliases = splitAliases(c.aliases);
  p->kind = c.kind;
  p->flags = c.flags;
  p->maxTasks = c.max_tasks;
  p->abiMajor = d->abi_major;
  p->abiMinor = d->abi_minor;
  p->options = std::move(opts.value());
  p->library = std::move(lib);
  SLUICE_LOG(kTag, log::Level::kDebug, "loaded " + std::string(kindName(p->kind)) + " plugin " + p->name + " " + p->version + " from " + path);
  plugins_.push_back(std::move(p));
  return Status::ok();
}

const Plugin* Registry::findExact(std::string_view name) const {
  for (const auto& p : plugins_) {
    if (p->name == name) return p.get();
    for (const auto& a : p->aliases)
      if (a == name) return p.get();
  }
  return nullptr;
}

const Plugin* Registry::find(std::string_view name) const {
  if (const Plugin* p = findExact(name)) return p;
  std::string_view simple = name;
  if (auto dot = simple.rfind('.'); dot != std::string_view::npos) simple.remove_prefix(dot + 1);
  if (const Plugin* p = findExact(simple)) return p;
  constexpr std::string_view kSuffix = "Connector";
  if (simple.size() > kSuffix.size() && simple.ends_with(kSuffix))
    return findExact(simple.substr(0, simple.size() - kSuffix.size()));
  return nullptr;
}

const Plugin* Registry::findTransform(std::string_view type, sluice_variant* variant) const {
  *variant = SLUICE_VARIANT_NONE;
  std::string_view base = type;
  if (base.ends_with("$Key")) {
    *variant = SLUICE_VARIANT_KEY;
    base.remove_suffix(4);
  } else if (base.ends_with("$Value")) {
    *variant = SLUICE_VARIANT_VALUE;
    base.remove_suffix(6);
  }
  const Plugin* p = find(base);
  if (!p) return nullptr;
  if (*variant != SLUICE_VARIANT_NONE && !(p->flags & SLUICE_FLAG_KEY_VALUE_VARIANTS)) return nullptr;
  return p;
}

std::string defaultPluginDir() {
  fs::path exe = boost::dll::program_location().string();
  fs::path bin = exe.parent_path();
  // Build tree: build/bin/sluice -> build/plugins. Installed: prefix/bin -> prefix/lib/sluice/plugins.
  for (auto candidate : {bin.parent_path() / "plugins", bin.parent_path() / "lib" / "sluice" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return (bin.parent_path() / "plugins").string();
}

}  // namespace sluice::loader
