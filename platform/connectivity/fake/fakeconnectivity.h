#pragma once

#include "connectivity/connectivity.h"

namespace safeguard::platform {

// Connectivity a test sets by hand: setReachability() emits the change as
// the OS would.
class FakeConnectivity : public Connectivity
{
    Q_OBJECT
public:
    using Connectivity::Connectivity;
    Reachability reachability() const override { return m_reachability; }
    QString backendName() const override { return QStringLiteral("fake"); }
    void setReachability(Reachability r)
    {
        if (r == m_reachability)
            return;
        m_reachability = r;
        emit reachabilityChanged(r);
    }

private:
    Reachability m_reachability = Reachability::Unknown;
};

} // namespace safeguard::platform
