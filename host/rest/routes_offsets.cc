// Offsets (KIP-875), checkpoints, replay, and dead letters.
#include "host/rest/api_util.h"

#include <charconv>

namespace sluice::rest {
namespace json = boost::json;
namespace {

// KIP-875 offset entries: [{"partition": {...}, "offset": {...} | null}].
std::optional<std::vector<runtime::Herder::OffsetEntry>> offsetEntries(const json::value& v, Response* err) {
  if (!v.is_array()) {
    *err = error(400, "\"offsets\" must be an array of {\"partition\": ..., \"offset\": ...} objects");
    return std::nullopt;
  }
  std::vector<runtime::Herder::OffsetEntry> out;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const auto& e = v.as_array()[i];
    const json::value* p = e.is_object() ? e.as_object().if_contains("partition") : nullptr;
    const json::value* o = e.is_object() ? e.as_object().if_contains("offset") : nullptr;
    if (!p || !o || e.as_object().size() != 2) {
      *err = error(400, "offsets[" + std::to_string(i) + "] must be an object with exactly \"partition\" and \"offset\"");
      return std::nullopt;
    }
    out.push_back({json::serialize(*p), json::serialize(*o)});
  }
  return out;
}

}  // namespace

void registerOffsetRoutes(Router& r, const ApiContext& c) {
  auto* w = c.worker;
  auto ok = okJson;

  r.add("GET", "/connectors/{name}/offsets", [w, ok](const Request& req) {
    auto offs = w->offsets(req.params.at("name"));
    if (!offs) return fromStatus(offs.status());
    json::array out;
    for (const auto& e : *offs)
      out.push_back(json::object{{"partition", json::parse(e.partition)}, {"offset", json::parse(e.offset)}});
    return ok(200, json::object{{"offsets", std::move(out)}});
  });

  // KIP-875: alter and reset offsets of a STOPPED connector.
  r.add("PATCH", "/connectors/{name}/offsets", [w, ok](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto* list = body->if_contains("offsets");
    if (!list) return error(400, "Request body must have an \"offsets\" field");
    auto entries = offsetEntries(*list, &err);
    if (!entries) return err;
    // As Connect: an empty list is a client error, checked before the connector.
    if (entries->empty()) return error(400, "Partitions / offsets need to be provided for an alter offsets request");
    if (auto s = w->alterOffsets(req.params.at("name"), *entries); !s) return fromStatus(s);
    return ok(200, json::object{{"message", "The offsets for this connector have been altered successfully"}});
  });
  r.add("DELETE", "/connectors/{name}/offsets", [w, ok](const Request& req) {
    if (auto s = w->resetOffsets(req.params.at("name")); !s) return fromStatus(s);
    return ok(200, json::object{{"message", "The offsets for this connector have been reset successfully"}});
  });

  r.add("GET", "/connectors/{name}/checkpoints", [w, ok](const Request& req) {
    auto history = w->checkpoints(req.params.at("name"));
    if (!history) return fromStatus(history.status());
    json::array out;
    for (const auto& ck : *history) {
      boost::system::error_code ec;
      json::value offs = json::parse(ck.offsetsJson, ec);
      out.push_back(json::object{{"id", ck.id},
                                 {"task", ck.task},
                                 {"time_ms", ck.timeMs},
                                 {"watermark_ms", ck.watermarkMs == INT64_MIN ? json::value(nullptr) : json::value(ck.watermarkMs)},
                                 {"origin", ck.origin},
                                 {"state_keys", ck.stateKeys},
                                 {"bytes", ck.bytes},
                                 {"offsets", ec ? json::value(json::array()) : offs}});
    }
    return ok(200, json::object{{"checkpoints", std::move(out)}});
  });

  r.add("POST", "/connectors/{name}/replay", [w, ok](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    runtime::Herder::ReplayTarget t;
    for (const auto& kv : *body) {
      const auto& v = kv.value();
      if (kv.key() == "checkpoint") {
        if (!v.is_int64() || v.as_int64() <= 0) return error(400, "\"checkpoint\" must be a positive integer id");
        t.checkpoint = static_cast<uint64_t>(v.as_int64());
      } else if (kv.key() == "timestamp_ms") {
        if (!v.is_int64() || v.as_int64() < 0) return error(400, "\"timestamp_ms\" must be a non-negative integer");
        t.timestampMs = v.as_int64();
      } else if (kv.key() == "offsets") {
        auto entries = offsetEntries(v, &err);
        if (!entries) return err;
        t.offsets = std::move(*entries);
      } else if (kv.key() == "keep_state") {
        if (!v.is_bool()) return error(400, "\"keep_state\" must be true or false");
        t.keepState = v.as_bool();
      } else {
        return error(400, "Unrecognized field '" + std::string(kv.key()) + "' in request body");
      }
    }
    auto res = w->replay(req.params.at("name"), t);
    if (!res) return fromStatus(res.status());
    json::array offs;
    for (const auto& e : res->offsets)
      offs.push_back(json::object{{"partition", json::parse(e.partition)}, {"offset", json::parse(e.offset)}});
    return ok(202, json::object{{"name", req.params.at("name")},
                                {"checkpoint", res->checkpoint ? json::value(*res->checkpoint) : json::value(nullptr)},
                                {"state", res->state},
                                {"offsets", std::move(offs)}});
  });

  // The dead letters of a connector: what is pending, and their replay.
  auto dlqJson = [](const std::string& name, const runtime::DlqReplayReport& rep, bool replayed) {
    json::array parts;
    for (const auto& p : rep.partitions)
      parts.push_back(json::object{{"partition", p.partition}, {"position", p.position}, {"end", p.end}, {"retrying", p.retrying}});
    json::object o{{"name", name}, {"topic", rep.topic}, {"group", rep.group}};
    if (replayed) {
      o["replayed"] = rep.replayed;
      o["succeeded"] = rep.succeeded;
      o["failed"] = rep.failed;
    }
    o["remaining"] = rep.remaining;
    o["retrying"] = rep.retrying;
    o["partitions"] = std::move(parts);
    return o;
  };
  r.add("GET", "/connectors/{name}/dlq", [w, ok, dlqJson](const Request& req) {
    runtime::DlqReplayOptions o;
    o.dryRun = true;
    auto rep = w->replayDeadLetters(req.params.at("name"), o);
    if (!rep) return fromStatus(rep.status());
    return ok(200, dlqJson(req.params.at("name"), *rep, false));
  });
  r.add("POST", "/connectors/{name}/dlq/replay", [w, ok, dlqJson](const Request& req) {
    runtime::DlqReplayOptions o;
    if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      Response err;
      auto body = parseObject(req, &err);
      if (!body) return err;
      for (const auto& kv : *body) {
        const auto& v = kv.value();
        if (kv.key() == "max_records") {
          if (!v.is_int64() || v.as_int64() <= 0) return error(400, "\"max_records\" must be a positive integer");
          o.maxRecords = v.as_int64();
        } else if (kv.key() == "timeout_ms") {
          if (!v.is_int64() || v.as_int64() <= 0 || v.as_int64() > 3600000)
            return error(400, "\"timeout_ms\" must be an integer from 1 to 3600000");
          o.timeoutMs = v.as_int64();
        } else {
          return error(400, "Unrecognized field '" + std::string(kv.key()) + "' in request body");
        }
      }
    }
    auto rep = w->replayDeadLetters(req.params.at("name"), o);
    if (!rep) return fromStatus(rep.status());
    return ok(200, dlqJson(req.params.at("name"), *rep, true));
  });
}

}  // namespace sluice::rest
