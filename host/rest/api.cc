#include "host/rest/api.h"

#include "host/rest/api_util.h"

namespace sluice::rest {

void registerApi(Router& r, ApiContext c) {
  registerHealthRoutes(r, c);
  registerPluginRoutes(r, c);
  registerConnectorRoutes(r, c);
  registerOffsetRoutes(r, c);
  registerAdminRoutes(r, c);
}

}  // namespace sluice::rest
