// safeguard-devicesim: see DeviceSimulator for the commands.
#include "devicesim/devicesimulator.h"
#include "process/processhardening.h"
#include "protocol/clock.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <cstdio>

int main(int argc, char **argv)
{
    // The store's data key and decrypted records are in memory while
    // unlocked: no core dump may write them to disk.
    if (!safeguard::platform::hardenProcess()) {
        std::fprintf(stderr, "safeguard-devicesim: cannot turn core dumps off\n");
        return 5;
    }
    QCoreApplication app(argc, argv);
    // Per-batch lines are for debugging; state changes and faults stay on.
    QLoggingCategory::setFilterRules(QStringLiteral("safeguard.sync.debug=false"));
    safeguard::store::DeviceSimulator sim(safeguard::protocol::SystemClock::instance());
    return sim.run(app.arguments().mid(1));
}
