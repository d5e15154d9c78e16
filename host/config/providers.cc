#include "host/config/providers.h"

#include "host/common/strings.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace sluice::config {

Result<std::map<std::string, std::string>> readProperties(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::notFound("cannot read properties file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::string t = strings::trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of("=:");
    if (sep == std::string::npos) {
      out[t] = "";
      continue;
    }
    out[strings::trim(t.substr(0, sep))] = strings::trim(t.substr(sep + 1));
  }
  return out;
}

namespace {
// A value cut into literal text and config-provider references; `${...}`
// forms that name no provider (TimestampRouter's ${topic}) are literal text.
struct Part {
  std::string text;      // literal text, or the whole placeholder
  std::string provider;  // "env" or "file"; empty for literal text
  std::string rest;      // after "provider:"
};

std::vector<Part> parts(const std::string& value) {
  std::vector<Part> out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t start = value.find("${", pos);
    size_t end = start == std::string::npos ? std::string::npos : value.find('}', start);
    if (end == std::string::npos) {
      out.push_back({value.substr(pos), "", ""});
      break;
    }
    if (start > pos) out.push_back({value.substr(pos, start - pos), "", ""});
    std::string body = value.substr(start + 2, end - start - 2);
    size_t colon = body.find(':');
    std::string provider = colon == std::string::npos ? "" : body.substr(0, colon);
    if (provider != "env" && provider != "file") provider.clear();
    out.push_back({"${" + body + "}", provider, provider.empty() ? "" : body.substr(colon + 1)});
    pos = end + 1;
  }
  return out;
}
}  // namespace

Result<std::string> resolveValue(const std::string& value) {
  std::string out;
  for (const Part& p : parts(value)) {
    if (p.provider == "env") {
      const char* v = std::getenv(p.rest.c_str());
      if (!v) return Status::invalid("config provider 'env': environment variable " + p.rest + " is not set (" + p.text + ")");
      out += v;
    } else if (p.provider == "file") {
      size_t last = p.rest.rfind(':');
      if (last == std::string::npos)
        return Status::invalid("config provider 'file' needs ${file:PATH:KEY}, got " + p.text);
      auto props = readProperties(p.rest.substr(0, last));
      if (!props) return Status::invalid("config provider 'file': " + props.status().message() + " (" + p.text + ")");
      auto it = props->find(p.rest.substr(last + 1));
      if (it == props->end())
        return Status::invalid("config provider 'file': no key '" + p.rest.substr(last + 1) + "' in " + p.rest.substr(0, last));
      out += it->second;
    } else {
      out += p.text;
    }
  }
  return out;
}

bool onlyProviderReferences(const std::string& value) {
  auto ps = parts(value);
  return !ps.empty() && std::all_of(ps.begin(), ps.end(), [](const Part& p) { return !p.provider.empty(); });
}

}  // namespace sluice::config
