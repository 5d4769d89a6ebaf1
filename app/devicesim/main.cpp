// safeguard-devicesim: see DeviceSimulator for the commands.
#include "devicesim/devicesimulator.h"
#include "protocol/clock.h"

#include <QCoreApplication>
#include <QLoggingCategory>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Per-batch lines are for debugging; state changes and faults stay on.
    QLoggingCategory::setFilterRules(QStringLiteral("safeguard.sync.debug=false"));
    safeguard::store::DeviceSimulator sim(safeguard::protocol::SystemClock::instance());
    return sim.run(app.arguments().mid(1));
}
