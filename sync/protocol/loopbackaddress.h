#pragma once

#include <QString>

namespace safeguard::protocol {

// The one rule, on the device and on the hub, for "this host is this
// machine", which is what allows plain HTTP: an IPv4 literal in
// 127.0.0.0/8 in dotted-quad form, or the IPv6 literal ::1 (bare or in
// the brackets of a URL). A name is never loopback, "localhost" included:
// what a name means is up to /etc/hosts, a resolver or the network, and a
// device must not send records in clear text on the word of any of them.
bool isLoopbackLiteral(const QString &host);

} // namespace safeguard::protocol
