#pragma once

#include <QString>
#include <QVariant>

namespace google::protobuf {
class Message;
}

namespace safeguard::ui {

// Reads and writes one field of a record by its path in the schema's own
// names, e.g. "incident.police_reference" or "children[1].seen.reason_if_no",
// the same paths the shared validation reports issues against. The form is
// data (RecordForm), so one generic editor serves every field instead of a
// property per field.
//
// Values as QML sees them: text as QString; yes/no and other enums as int;
// bool; whole numbers as int; a CalendarDate as "yyyy-MM-dd" ("" unset); a
// LocalTimestamp as "yyyy-MM-dd HH:mm" in the time's own offset; repeated
// text as QStringList; repeated enums as a list of ints.
namespace fieldpath {

QVariant get(const google::protobuf::Message &root, const QString &path);
// Sets the value, creating parent messages as needed. A timestamp set from
// text takes utcOffsetMinutes as its offset. False (with a reason) when the
// path or the value does not fit the schema.
bool set(google::protobuf::Message *root, const QString &path, const QVariant &value,
         int utcOffsetMinutes, QString *error = nullptr);

// Clears the field (an unanswered question again). False when the path
// names nothing in the schema or nothing is there.
bool clear(google::protobuf::Message *root, const QString &path);

// Repeated message fields (children, injuries, household...).
int count(const google::protobuf::Message &root, const QString &path);
bool append(google::protobuf::Message *root, const QString &path);
bool remove(google::protobuf::Message *root, const QString &path, int index);
bool move(google::protobuf::Message *root, const QString &path, int from, int to);

} // namespace fieldpath
} // namespace safeguard::ui
