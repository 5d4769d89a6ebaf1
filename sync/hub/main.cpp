// safeguard-hub: the central hub. All logic lives in safeguard_hub.
#include "hubcommandline.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    return safeguard::hub::HubCommandLine::run(app.arguments().mid(1));
}
