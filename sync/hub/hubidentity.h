#pragma once

#include "secretbytes.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace safeguard::hub {

enum class IdentityErrorKind
{
    None,
    Io,
    Crypto,
    Missing,
    Damaged
};

struct IdentityError
{
    IdentityErrorKind kind = IdentityErrorKind::None;
    QString message;
    bool ok() const { return kind == IdentityErrorKind::None; }
};

// Who the hub is, created once by `safeguard-hub init` in the data
// directory (0700, every file 0600): a UUID hub id, a self-signed TLS
// certificate and key (EC P-256, SAN 127.0.0.1 and ::1), a backup
// TLS key whose pin is published in enrolment codes beside the primary's (an
// operator moves backup-tls-key.pem offline and uses it to rotate the
// certificate without re-enrolling devices), the X25519 key pair
// devices seal records to, and the Ed25519 key that signs receipts. Pins are base64 SHA-256 of the
// DER SubjectPublicKeyInfo, as in HPKP. The two secrets are read from their files straight into
// guarded memory (SecretBytes) and have one owner each: serve moves keyPem into the server, and
// BatchIngestor refers to sealingSecretKey, so this object must outlive it.
class HubIdentity
{
public:
    QString hubId;
    QByteArray certPem;
    SecretBytes keyPem;
    QString tlsPin;               // of certPem's public key
    QString backupPin;            // of the backup key
    QByteArray sealingPublicKey;  // 32 bytes
    SecretBytes sealingSecretKey; // 32 bytes
    // Ed25519: signs every SyncReceipt; the public half is pinned in every
    // enrolment code (EnrolmentCode.hub_signing_public_key).
    QByteArray receiptSigningPublicKey;  // 32 bytes
    SecretBytes receiptSigningSecretKey; // 64 bytes (seed || public key)

    // True when the directory holds an identity (hub.json).
    static bool exists(const QString &dataDir);
    // Creates the directory (0700) and the identity; refuses to overwrite one.
    static IdentityError init(const QString &dataDir);
    static std::optional<HubIdentity> load(const QString &dataDir, IdentityError *error);
    // Days a certificate made by init or renewCertificate is valid.
    static constexpr int kCertificateDays = 825;
    // From how many days before its end the hub warns (stats, /healthz, log).
    static constexpr int kCertificateWarningDays = 60;
    // When a PEM certificate ends (UTC ms since the epoch); 0 if unreadable.
    static qint64 certificateNotAfterMs(const QByteArray &certPem);
    // tls_certificate_expires_at, _days_left and _expiring (within the
    // warning days, or past) for stats, /healthz and the log.
    static QJsonObject certificateStatus(qint64 notAfterMs, qint64 nowMs);
    // Re-issues the TLS certificate on the same key (so the same pin),
    // valid from now + validFromSecs for `days` days (renew-cert; a
    // negative start makes an expired one for drills and tests).
    static IdentityError renewCertificate(const QString &dataDir, qint64 validFromSecs, int days);

    // Replaces the TLS certificate and key with operator-supplied PEM files
    // (serve --tls-cert/--tls-key) and recomputes the primary pin.
    IdentityError useTlsFiles(const QString &certFile, const QString &keyFile);

    // Pin of a PEM certificate's or private key's public key.
    static std::optional<QString> pinOfCertificate(const QByteArray &pem);
    static std::optional<QString> pinOfPrivateKey(const SecretBytes &pem);
};

// Makes the directory (and parents) with mode 0700 and checks it is ours.
IdentityError makePrivateDirectory(const QString &dir);
// Writes a file atomically with mode 0600, unbuffered (no Qt buffer keeps a
// copy of a secret).
IdentityError writePrivateFile(const QString &path, QByteArrayView bytes);

} // namespace safeguard::hub
