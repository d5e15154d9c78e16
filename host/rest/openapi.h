#pragma once
// The OpenAPI document of the REST API (docs/openapi.yaml), embedded in the
// binary at build time by embed_file.cmake and served at GET /openapi.yaml.

#include <string_view>

namespace sluice::rest {

/// docs/openapi.yaml, byte for byte, as it was when the binary was built.
std::string_view openApiYaml();

}  // namespace sluice::rest
