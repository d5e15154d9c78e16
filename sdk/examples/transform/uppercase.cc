// Uppercase: a single message transform that uppercases one string field of
// the record value (or of the key, as `Uppercase$Key`).
//
//   "transforms": "up",
//   "transforms.up.type": "Uppercase",
//   "transforms.up.field": "customer.name"
//
// Records are edited in place through sluice::Record: the host parses the
// value once per pass through the transform chain and serializes it again
// with the connector's converter afterwards, so a transform never parses JSON.
#include <sluice/cpp/plugin.hpp>

#include <cctype>
#include <string>

class Uppercase final : public sluice::Transform {
 public:
  // Build the Path once: it owns its names and is reused for every record.
  explicit Uppercase(const sluice::Init& init)
      : Transform(init), field_(sluice::Path::dotted(config().requireString("field"))) {}

  // Called for each record of the batch (the default apply() loops).
  // part() is SLUICE_PART_KEY for `Uppercase$Key`, else SLUICE_PART_VALUE.
  sluice::Status applyOne(sluice::Record& r) override {
    // Throws sluice::RecordError (-> the record fails) if the bytes are not
    // valid for the converter, e.g. a value that is not JSON.
    sluice::Value v = r.get(part(), field_);
    if (v.absent() || v.type == SLUICE_TYPE_NULL) return sluice::Status::ok();  // nothing to do
    if (v.type != SLUICE_TYPE_STRING)
      return sluice::Status::badRecord("Uppercase: field '" + config().getString("field") +
                                       "' is not a string");
    for (char& c : v.s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));  // ASCII
    r.set(part(), field_, v);
    return sluice::Status::ok();
  }

  static sluice::PluginInfo info() {
    return {.name = "Uppercase",
            .version = "0.1.0",
            .description = "Uppercases (ASCII) one string field of the value or key (SDK example).",
            .flags = SLUICE_FLAG_KEY_VALUE_VARIANTS};  // accept Uppercase$Key / Uppercase$Value
  }

  static std::vector<sluice::Option> options() {
    return {{.name = "field",
             .type = sluice::OptionType::String,
             .doc = "Field to uppercase; dots address nested fields (a.b). Absent or null fields are left alone.",
             .required = true}};
  }

 private:
  sluice::Path field_;
};

SLUICE_PLUGIN(Uppercase)
