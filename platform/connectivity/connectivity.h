#pragma once

#include <QObject>
#include <memory>

namespace safeguard::platform {

// Whether the device has a network the OS believes can reach beyond itself.
// Unknown is not Offline: where no backend reports (containers, CI, a
// desktop without NetworkManager), callers must keep trying and may probe
// the hub themselves.
class Connectivity : public QObject
{
    Q_OBJECT
public:
    enum class Reachability
    {
        Unknown,
        Offline,
        Online,
    };
    Q_ENUM(Reachability)

    using QObject::QObject;
    virtual Reachability reachability() const = 0;
    // The name of the backend that reports, or "" when none loaded.
    virtual QString backendName() const = 0;

signals:
    void reachabilityChanged(safeguard::platform::Connectivity::Reachability reachability);
};

// The platform's implementation: on Linux QNetworkInformation's default
// backend, else its "glib" backend, else none (always Unknown).
std::unique_ptr<Connectivity> createPlatformConnectivity(QObject *parent = nullptr);

} // namespace safeguard::platform
