#include "recordissue.h"

namespace safeguard::protocol {

QJsonObject RecordIssue::toJson() const
{
    return QJsonObject{{QStringLiteral("path"), path},
                       {QStringLiteral("code"), code},
                       {QStringLiteral("message"), message}};
}

QJsonArray toJson(const RecordIssues &issues)
{
    QJsonArray a;
    for (const RecordIssue &i : issues)
        a.append(i.toJson());
    return a;
}

} // namespace safeguard::protocol
