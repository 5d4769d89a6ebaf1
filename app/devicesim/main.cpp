// safeguard-devicesim: see DeviceSimulator for the commands.
#include "devicesim/devicesimulator.h"
#include "protocol/clock.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    safeguard::store::DeviceSimulator sim(safeguard::protocol::SystemClock::instance());
    return sim.run(app.arguments().mid(1));
}
