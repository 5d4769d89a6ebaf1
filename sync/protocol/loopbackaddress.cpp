#include "loopbackaddress.h"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>

namespace safeguard::protocol {

bool isLoopbackLiteral(const QString &host)
{
    QString literal = host;
    if (literal.startsWith(QLatin1Char('[')) && literal.endsWith(QLatin1Char(']')))
        literal = literal.mid(1, literal.size() - 2);
    const QByteArray text = literal.toLatin1();
    if (text.isEmpty() || text.size() != literal.size())
        return false;
    // inet_pton takes only the strict forms: four decimal parts without
    // leading zeros, or RFC 4291 text; no "127.1", no hex, no names.
    in_addr v4{};
    if (inet_pton(AF_INET, text.constData(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.constData(), &v6) == 1)
        return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    return false;
}

} // namespace safeguard::protocol
