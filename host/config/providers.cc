#include "host/config/providers.h"

#include <cstdlib>
#include <fstream>

namespace sluice::config {
namespace {
std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

Result<std::map<std::string, std::string>> readProperties(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::notFound("cannot read properties file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of("=:");
    if (sep == std::string::npos) {
      out[t] = "";
      continue;
    }
    out[trim(t.substr(0, sep))] = trim(t.substr(sep + 1));
  }
  return out;
}

Result<std::string> resolveValue(const std::string& value) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = value.find("${", pos);
    if (start == std::string::npos) {
      out.append(value, pos, std::string::npos);
      return out;
    }
    size_t end = value.find('}', start);
    if (end == std::string::npos) {
      out.append(value, pos, std::string::npos);
      return out;
    }
    out.append(value, pos, start - pos);
    std::string body = value.substr(start + 2, end - start - 2);
    std::string placeholder = "${" + body + "}";
    size_t colon = body.find(':');
    std::string provider = colon == std::string::npos ? "" : body.substr(0, colon);
    std::string rest = colon == std::string::npos ? "" : body.substr(colon + 1);
    if (provider == "env") {
      const char* v = std::getenv(rest.c_str());
      if (!v) return Status::invalid("config provider 'env': environment variable " + rest + " is not set (" + placeholder + ")");
      out += v;
    } else if (provider == "file") {
      size_t last = rest.rfind(':');
      if (last == std::string::npos)
        return Status::invalid("config provider 'file' needs ${file:PATH:KEY}, got " + placeholder);
      auto props = readProperties(rest.substr(0, last));
      if (!props) return Status::invalid("config provider 'file': " + props.status().message() + " (" + placeholder + ")");
      auto it = props->find(rest.substr(last + 1));
      if (it == props->end())
        return Status::invalid("config provider 'file': no key '" + rest.substr(last + 1) + "' in " + rest.substr(0, last));
      out += it->second;
    } else {
      // Not a provider reference (e.g. TimestampRouter's ${topic}): keep as is.
      out += placeholder;
    }
    pos = end + 1;
  }
}

}  // namespace sluice::config
