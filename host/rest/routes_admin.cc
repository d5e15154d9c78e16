// Admin: loggers (KIP-495, KIP-976) and savepoints.
#include "host/rest/api_util.h"

#include <chrono>
#include <memory>
#include <mutex>

#include "host/common/log.h"

namespace sluice::rest {
namespace json = boost::json;
namespace {

// When each logger's level was last set through PUT /admin/loggers.
class LoggerTimes {
 public:
  json::value get(const std::string& logger) const {
    std::lock_guard lk(mu_);
    auto it = ms_.find(logger);
    return it == ms_.end() ? json::value(nullptr) : json::value(it->second);
  }
  void set(const json::array& loggers) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard lk(mu_);
    for (const auto& n : loggers) ms_[std::string(n.as_string())] = now;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> ms_;
};

}  // namespace

void registerAdminRoutes(Router& r, const ApiContext& c) {
  auto* w = c.worker;
  auto ok = okJson;

  r.add("POST", "/admin/savepoints", [w, ok](const Request&) {
    auto sp = w->savepoint();
    if (!sp) return fromStatus(sp.status());
    return ok(201, json::object{{"id", sp->id}, {"path", sp->path}});
  });

  // Connect (KIP-976) reports when each logger's level was last set over
  // REST ("last_modified", epoch ms, null when never).
  auto modified = std::make_shared<LoggerTimes>();
  r.add("GET", "/admin/loggers", [ok, modified](const Request&) {
    json::object out;
    for (const auto& [name, level] : log::levels())
      out[name] = json::object{{"level", log::levelName(level)}, {"last_modified", modified->get(name)}};
    return ok(200, out);
  });
  r.add("GET", "/admin/loggers/{logger}", [ok, modified](const Request& req) {
    const std::string& name = req.params.at("logger");
    return ok(200, json::object{{"level", log::levelName(log::levelOf(name))}, {"last_modified", modified->get(name)}});
  });
  r.add("PUT", "/admin/loggers/{logger}", [ok, modified](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto* lv = body->if_contains("level");
    log::Level level;
    if (!lv || !lv->is_string() || !log::parseLevel(lv->as_string(), &level))
      return error(400, "Body must be {\"level\": TRACE|DEBUG|INFO|WARN|ERROR|OFF}");
    const std::string& name = req.params.at("logger");
    log::setLevel(name, level);
    json::array affected;
    for (const auto& [n, l] : log::levels())
      if (n == name || n.starts_with(name + ".") || name == "root") affected.push_back(json::string(n));
    modified->set(affected);
    return ok(200, affected);
  });
}

}  // namespace sluice::rest
