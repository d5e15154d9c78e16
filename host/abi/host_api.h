#pragma once
// The host's side of the plugin ABI: the table of services (sluice_host_api)
// every plugin instance is given, implemented in host_api.cc over the
// contexts of plugin_instance.h.

#include <sluice/plugin.h>

namespace sluice::runtime {

/// The host services table (one for the whole process).
const sluice_host_api* hostApi();

}  // namespace sluice::runtime
