#pragma once

#include <QStringList>

namespace safeguard::hub {

// The safeguard-hub command line: init, serve, enrol-device, revoke-device
// and stats, each taking --data-dir DIR (default var/hub/) and --database
// URL (default sqlite:DIR/hub.db). init and serve are operator commands;
// the others are staff commands, which need --by NAME and are audited
// (docs/HUB.md). Every command first turns core dumps off. main() only
// forwards its arguments here, so every subcommand is reachable from tests
// through the same code.
class HubCommandLine
{
public:
    // Runs one subcommand; returns the process exit code (0 ok, 1 failed,
    // 64 usage error).
    static int run(const QStringList &arguments);
};

} // namespace safeguard::hub
