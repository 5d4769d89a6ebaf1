#include "enrolmentcode.h"

#include <sodium.h>

namespace safeguard::syncwire {

QByteArray toBase64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> fromBase64Url(const QByteArray &text)
{
    auto result = QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding |
                                                           QByteArray::OmitTrailingEquals |
                                                           QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return std::nullopt;
    return *result;
}

QString EnrolmentCode::encode(const v1::EnrolmentCode &code)
{
    const std::string bytes = code.SerializeAsString();
    return QString::fromLatin1(kPrefix) +
           QString::fromLatin1(toBase64Url(QByteArray(bytes.data(), qsizetype(bytes.size()))));
}

std::optional<v1::EnrolmentCode> EnrolmentCode::parse(const QString &text,
                                                      EnrolmentCodeParseError *error)
{
    auto fail = [error](EnrolmentCodeError e,
                        const char *message) -> std::optional<v1::EnrolmentCode> {
        if (error)
            *error = {e, QString::fromLatin1(message)};
        return std::nullopt;
    };
    const QString trimmed = text.trimmed();
    if (!trimmed.startsWith(QLatin1String(kPrefix)))
        return fail(EnrolmentCodeError::WrongPrefix, "an enrolment code starts with SGE1.");
    const auto payload = fromBase64Url(trimmed.mid(int(qstrlen(kPrefix))).toLatin1());
    if (!payload || payload->isEmpty())
        return fail(EnrolmentCodeError::NotBase64, "the enrolment code is damaged (not base64url)");
    v1::EnrolmentCode code;
    if (!code.ParseFromArray(payload->constData(), int(payload->size())))
        return fail(EnrolmentCodeError::Undecodable, "the enrolment code is damaged (undecodable)");
    if (code.hub_url().empty() || code.tls_pin_sha256().empty() || code.code_id().empty() ||
        code.hub_id().empty() || code.secret().size() != 32 ||
        code.sealing_public_key().size() != crypto_box_PUBLICKEYBYTES ||
        code.hub_signing_public_key().size() != crypto_sign_PUBLICKEYBYTES)
        return fail(EnrolmentCodeError::Incomplete, "the enrolment code is incomplete");
    return code;
}

} // namespace safeguard::syncwire
