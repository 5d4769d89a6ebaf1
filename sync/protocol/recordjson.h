#pragma once

#include <QByteArray>
#include <QString>

namespace google::protobuf {
class Message;
}

namespace safeguard::protocol {

// A message as JSON with the schema's own snake_case field names (for
// debugging, fixtures and tools; the wire format is binary protobuf).
QByteArray messageToJson(const google::protobuf::Message &message, bool pretty = false);
// Parses JSON into the message; on failure returns false and says why.
bool messageFromJson(const QByteArray &json, google::protobuf::Message *message, QString *error);

} // namespace safeguard::protocol
