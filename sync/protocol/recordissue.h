#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace safeguard::protocol {

// One thing wrong with or missing from a record: where (a field path in the
// schema's own snake_case names, e.g. "children[0].seen.reason_if_no"), a
// stable machine code (e.g. "reason_required"), and a plain-English message
// an officer or hub staff member can act on. Shared by good-practice
// validation, limits and structural checks, on the device and on the hub.
struct RecordIssue
{
    QString path;
    QString code;
    QString message;

    QJsonObject toJson() const;
    friend bool operator==(const RecordIssue &, const RecordIssue &) = default;
};

using RecordIssues = QList<RecordIssue>;

QJsonArray toJson(const RecordIssues &issues);

} // namespace safeguard::protocol
