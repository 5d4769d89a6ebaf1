#include "recordjson.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

namespace safeguard::protocol {

QByteArray messageToJson(const google::protobuf::Message &message, bool pretty)
{
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.add_whitespace = pretty;
    std::string out;
    const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
    if (!status.ok())
        return QByteArray();
    return QByteArray::fromStdString(out);
}

bool messageFromJson(const QByteArray &json, google::protobuf::Message *message, QString *error)
{
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto status =
        google::protobuf::util::JsonStringToMessage(json.toStdString(), message, options);
    if (!status.ok() && error)
        *error = QString::fromStdString(std::string(status.message()));
    return status.ok();
}

} // namespace safeguard::protocol
