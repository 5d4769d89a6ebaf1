#include "networkinformationconnectivity.h"

#include <QNetworkInformation>

namespace safeguard::platform {

namespace {

Connectivity::Reachability fromQt(QNetworkInformation::Reachability r)
{
    switch (r) {
    case QNetworkInformation::Reachability::Disconnected:
        return Connectivity::Reachability::Offline;
    case QNetworkInformation::Reachability::Local:
    case QNetworkInformation::Reachability::Site:
    case QNetworkInformation::Reachability::Online:
        return Connectivity::Reachability::Online;
    case QNetworkInformation::Reachability::Unknown:
        break;
    }
    return Connectivity::Reachability::Unknown;
}

} // namespace

NetworkInformationConnectivity::NetworkInformationConnectivity(QObject *parent)
    : Connectivity(parent)
{
    bool loaded = QNetworkInformation::loadDefaultBackend();
    if (!loaded)
        loaded = QNetworkInformation::loadBackendByName(QStringLiteral("glib"));
    QNetworkInformation *info = loaded ? QNetworkInformation::instance() : nullptr;
    if (!info)
        return;
    m_backend = info->backendName();
    connect(info, &QNetworkInformation::reachabilityChanged, this,
            [this](QNetworkInformation::Reachability r) { emit reachabilityChanged(fromQt(r)); });
}

Connectivity::Reachability NetworkInformationConnectivity::reachability() const
{
    QNetworkInformation *info = QNetworkInformation::instance();
    return info ? fromQt(info->reachability()) : Reachability::Unknown;
}

std::unique_ptr<Connectivity> createPlatformConnectivity(QObject *parent)
{
    return std::make_unique<NetworkInformationConnectivity>(parent);
}

} // namespace safeguard::platform
