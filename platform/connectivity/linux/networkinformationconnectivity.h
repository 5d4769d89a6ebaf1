#pragma once

#include "connectivity/connectivity.h"

namespace safeguard::platform {

// Connectivity from QNetworkInformation. Qt 6.4's default backend needs
// NetworkManager; without it this falls back to the "glib" backend (GIO's
// GNetworkMonitor), and with neither it reports Unknown for ever, which the
// sync engine answers by probing the hub's /healthz.
class NetworkInformationConnectivity : public Connectivity
{
    Q_OBJECT
public:
    explicit NetworkInformationConnectivity(QObject *parent = nullptr);
    Reachability reachability() const override;
    QString backendName() const override { return m_backend; }

private:
    QString m_backend;
};

} // namespace safeguard::platform
