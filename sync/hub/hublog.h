#pragma once

#include <QJsonObject>

namespace safeguard::hub {

// The hub's structured log: one JSON object per line on stderr, with an
// "event" name, a UTC time and fields. Callers pass ids and counts only,
// never record content, personal data, keys or credentials; that rule is
// why there is no free-text message parameter.
class HubLog
{
public:
    static void event(const char *name, const QJsonObject &fields = {});
    // Silences the log (benchmarks measure the hub, not the terminal).
    static void setQuiet(bool quiet);
};

} // namespace safeguard::hub
