#pragma once

#include "safeguard/v1/sync.pb.h"

#include <QString>
#include <optional>

namespace safeguard::syncwire {

// Why an enrolment code could not be read.
enum class EnrolmentCodeError
{
    WrongPrefix, // not "SGE1." followed by base64url
    NotBase64,   // the payload is not base64url
    Undecodable, // the payload is not an EnrolmentCode message
    Incomplete,  // a required field is missing or has the wrong size
};

struct EnrolmentCodeParseError
{
    EnrolmentCodeError error;
    QString message;
};

// The one-line text an administrator hands to an officer to enrol a device:
// "SGE1." followed by the unpadded base64url of a v1::EnrolmentCode message
// (hub URL, both TLS pins, the sealing public key, a one-time secret and its
// expiry). The prefix carries the format version so a later format can be
// told apart. Parsing checks that everything a device needs is present.
class EnrolmentCode
{
public:
    static constexpr const char *kPrefix = "SGE1.";

    static QString encode(const v1::EnrolmentCode &code);
    static std::optional<v1::EnrolmentCode> parse(const QString &text,
                                                  EnrolmentCodeParseError *error = nullptr);
};

// base64url without padding, as used in codes and credentials.
QByteArray toBase64Url(const QByteArray &bytes);
std::optional<QByteArray> fromBase64Url(const QByteArray &text);

} // namespace safeguard::syncwire
