#pragma once

#include "appcontrollers.h"
#include "fakecredentialstore.h"

namespace safeguard::testing {

// The app's platform services for tests: no Secret Service and no network
// monitor, so a fake credential store and connectivity "unknown".
inline ui::AppControllers::Platform fakePlatform()
{
    ui::AppControllers::Platform p;
    p.credentials = std::make_unique<platform::FakeCredentialStore>();
    return p;
}

} // namespace safeguard::testing
