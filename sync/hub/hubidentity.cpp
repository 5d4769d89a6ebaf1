#include "hubidentity.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSslCertificate>
#include <QUuid>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <sys/stat.h>

namespace safeguard::hub {

namespace {

template<typename T, void (*F)(T *)> struct Deleter
{
    void operator()(T *p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
void bioFree(BIO *b)
{
    BIO_free(b);
}
using Bio = std::unique_ptr<BIO, Deleter<BIO, bioFree>>;
void extFree(X509_EXTENSION *e)
{
    X509_EXTENSION_free(e);
}
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, extFree>>;

const char *kIdentityFile = "hub.json";
const char *kCertFile = "tls-cert.pem";
const char *kKeyFile = "tls-key.pem";
const char *kBackupKeyFile = "backup-tls-key.pem";
const char *kSealingSecretFile = "sealing.key";
const char *kSealingPublicFile = "sealing.pub";
// The Ed25519 key that signs every receipt (libsodium's 64-byte secret key:
// seed || public key); its public half is in every enrolment code.
const char *kReceiptSigningFile = "receipt-signing.key";

IdentityError crypto(const char *what)
{
    return {IdentityErrorKind::Crypto,
            QStringLiteral("OpenSSL failed to %1").arg(QString::fromLatin1(what))};
}

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return QByteArray(data, int(n));
}

QString pinOf(EVP_PKEY *key)
{
    unsigned char *der = nullptr;
    const int n = i2d_PUBKEY(key, &der);
    if (n <= 0)
        return {};
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(der, size_t(n), digest);
    OPENSSL_free(der);
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(digest), sizeof digest).toBase64());
}

// Into guarded memory; OpenSSL zeroes its memory BIO's buffer when it frees
// it (BUF_MEM_free).
SecretBytes privateKeyPem(EVP_PKEY *key)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        return {};
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return SecretBytes::copyOf(data, n > 0 ? std::size_t(n) : 0);
}

// Far more than any PEM key or certificate the hub would use.
constexpr std::size_t kMaxPemBytes = 64 * 1024;

std::optional<QByteArray> readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    return f.readAll();
}

} // namespace

IdentityError makePrivateDirectory(const QString &dir)
{
    if (!QDir().mkpath(dir))
        return {IdentityErrorKind::Io, QStringLiteral("cannot create %1").arg(dir)};
    if (::chmod(QFile::encodeName(dir).constData(), 0700) != 0)
        return {IdentityErrorKind::Io, QStringLiteral("cannot make %1 private (0700)").arg(dir)};
    return {};
}

IdentityError writePrivateFile(const QString &path, QByteArrayView bytes)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return {IdentityErrorKind::Io, QStringLiteral("cannot write %1").arg(path)};
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(bytes.data(), bytes.size());
    if (!f.commit())
        return {IdentityErrorKind::Io, QStringLiteral("cannot write %1").arg(path)};
    if (::chmod(QFile::encodeName(path).constData(), 0600) != 0)
        return {IdentityErrorKind::Io, QStringLiteral("cannot make %1 private (0600)").arg(path)};
    return {};
}

namespace {

// A self-signed certificate on `key` for the hub's loopback addresses,
// valid from now + notBeforeSecs to now + notAfterSecs.
IdentityError selfSignedCertificate(EVP_PKEY *key, const QString &hubId, qint64 notBeforeSecs,
                                    qint64 notAfterSecs, QByteArray *pem)
{
    Cert cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    randombytes_buf(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), long(notBeforeSecs));
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(notAfterSecs));
    X509_set_pubkey(cert.get(), key);
    X509_NAME *name = X509_get_subject_name(cert.get());
    const QByteArray cn = QByteArrayLiteral("safeguard-hub ") + hubId.toLatin1();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    const std::pair<int, const char *> extensions[] = {
        // Addresses only: a device allows plain HTTP only to a loopback
        // literal, and a name is whatever a resolver says.
        {NID_subject_alt_name, "IP:127.0.0.1,IP:::1"},
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
    };
    for (const auto &[nid, value] : extensions) {
        Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
        if (!ext || !X509_add_ext(cert.get(), ext.get(), -1))
            return crypto("add certificate extensions");
    }
    if (!X509_sign(cert.get(), key, EVP_sha256()))
        return crypto("sign the certificate");
    Bio certBio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(certBio.get(), cert.get());
    *pem = bioBytes(certBio.get());
    if (pem->isEmpty())
        return crypto("serialise the certificate");
    return {};
}

} // namespace

bool HubIdentity::exists(const QString &dataDir)
{
    return QFile::exists(QDir(dataDir).filePath(QLatin1String(kIdentityFile)));
}

IdentityError HubIdentity::init(const QString &dataDir)
{
    if (exists(dataDir))
        return {IdentityErrorKind::Io,
                QStringLiteral("%1 already holds a hub identity").arg(dataDir)};
    if (auto e = makePrivateDirectory(dataDir); !e.ok())
        return e;
    if (sodium_init() < 0)
        return {IdentityErrorKind::Crypto, QStringLiteral("libsodium failed to initialise")};
    const QDir dir(dataDir);
    const QString hubId = QUuid::createUuid().toString(QUuid::WithoutBraces);

    PKey key(EVP_EC_gen("P-256"));
    PKey backup(EVP_EC_gen("P-256"));
    if (!key || !backup)
        return crypto("generate EC keys");

    QByteArray certPem;
    if (auto e =
            selfSignedCertificate(key.get(), hubId, -3600, kCertificateDays * 86400LL, &certPem);
        !e.ok())
        return e;

    unsigned char pk[crypto_box_PUBLICKEYBYTES];
    SecretBytes sealingSecret(crypto_box_SECRETKEYBYTES);
    crypto_box_keypair(pk, sealingSecret.data());
    unsigned char signingPk[crypto_sign_PUBLICKEYBYTES];
    SecretBytes signingSecret(crypto_sign_SECRETKEYBYTES);
    crypto_sign_keypair(signingPk, signingSecret.data());
    const SecretBytes keyPem = privateKeyPem(key.get());
    const SecretBytes backupKeyPem = privateKeyPem(backup.get());
    const QJsonObject identity{
        {QStringLiteral("hub_id"), hubId},
        {QStringLiteral("backup_pin_sha256"), pinOf(backup.get())},
        {QStringLiteral("format"), 1},
    };
    const QByteArray identityJson = QJsonDocument(identity).toJson();
    const std::pair<const char *, QByteArrayView> files[] = {
        {kCertFile, certPem},
        {kKeyFile, keyPem.view()},
        {kBackupKeyFile, backupKeyPem.view()},
        {kSealingSecretFile, sealingSecret.view()},
        {kSealingPublicFile, QByteArrayView(pk, sizeof pk)},
        {kReceiptSigningFile, signingSecret.view()},
        // Last, so a half-finished init is not taken for an identity.
        {kIdentityFile, identityJson},
    };
    for (const auto &[file, bytes] : files) {
        if (bytes.isEmpty())
            return crypto("serialise a key");
        if (auto e = writePrivateFile(dir.filePath(QLatin1String(file)), bytes); !e.ok())
            return e;
    }
    return {};
}

IdentityError HubIdentity::renewCertificate(const QString &dataDir, qint64 validFromSecs, int days)
{
    IdentityError error;
    const auto identity = load(dataDir, &error);
    if (!identity)
        return error;
    Bio keyBio(BIO_new_mem_buf(identity->keyPem.data(), int(identity->keyPem.size())));
    PKey key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!key)
        return crypto("read the TLS key");
    QByteArray pem;
    if (auto e = selfSignedCertificate(key.get(), identity->hubId, validFromSecs,
                                       validFromSecs + qint64(days) * 86400, &pem);
        !e.ok())
        return e;
    // The same key, so the same pin: no device needs anything new.
    return writePrivateFile(QDir(dataDir).filePath(QLatin1String(kCertFile)), pem);
}

qint64 HubIdentity::certificateNotAfterMs(const QByteArray &certPem)
{
    const QSslCertificate cert(certPem, QSsl::Pem);
    return cert.isNull() ? 0 : cert.expiryDate().toMSecsSinceEpoch();
}

QJsonObject HubIdentity::certificateStatus(qint64 notAfterMs, qint64 nowMs)
{
    if (notAfterMs <= 0)
        return {};
    const qint64 daysLeft = (notAfterMs - nowMs) / (86400LL * 1000);
    return {
        {QStringLiteral("tls_certificate_expires_at"),
         QDateTime::fromMSecsSinceEpoch(notAfterMs, Qt::UTC).toString(Qt::ISODate)},
        {QStringLiteral("tls_certificate_days_left"), daysLeft},
        {QStringLiteral("tls_certificate_expiring"),
         notAfterMs - nowMs <= qint64(kCertificateWarningDays) * 86400 * 1000},
    };
}

std::optional<HubIdentity> HubIdentity::load(const QString &dataDir, IdentityError *error)
{
    const QDir dir(dataDir);
    auto fail = [error](IdentityErrorKind kind,
                        const QString &message) -> std::optional<HubIdentity> {
        if (error)
            *error = {kind, message};
        return std::nullopt;
    };
    const auto identityJson = readFile(dir.filePath(QLatin1String(kIdentityFile)));
    if (!identityJson)
        return fail(IdentityErrorKind::Missing,
                    QStringLiteral("no hub identity in %1 (run safeguard-hub init)").arg(dataDir));
    const QJsonObject o = QJsonDocument::fromJson(*identityJson).object();
    HubIdentity id;
    id.hubId = o.value(QStringLiteral("hub_id")).toString();
    id.backupPin = o.value(QStringLiteral("backup_pin_sha256")).toString();
    const auto cert = readFile(dir.filePath(QLatin1String(kCertFile)));
    auto key = SecretBytes::readFile(dir.filePath(QLatin1String(kKeyFile)), kMaxPemBytes);
    const auto pk = readFile(dir.filePath(QLatin1String(kSealingPublicFile)));
    auto sk = SecretBytes::readFile(dir.filePath(QLatin1String(kSealingSecretFile)),
                                    crypto_box_SECRETKEYBYTES);
    auto signing = SecretBytes::readFile(dir.filePath(QLatin1String(kReceiptSigningFile)),
                                         crypto_sign_SECRETKEYBYTES);
    if (id.hubId.isEmpty() || id.backupPin.isEmpty() || !cert || !key || key->isEmpty() || !pk ||
        !sk || pk->size() != crypto_box_PUBLICKEYBYTES || sk->size() != crypto_box_SECRETKEYBYTES ||
        !signing || signing->size() != crypto_sign_SECRETKEYBYTES)
        return fail(IdentityErrorKind::Damaged,
                    QStringLiteral("the hub identity in %1 is incomplete").arg(dataDir));
    {
        // The public half again from the seed: a spliced key file is refused.
        unsigned char seed[crypto_sign_SEEDBYTES];
        unsigned char derivedPk[crypto_sign_PUBLICKEYBYTES];
        SecretBytes again(crypto_sign_SECRETKEYBYTES);
        crypto_sign_ed25519_sk_to_seed(seed, signing->data());
        crypto_sign_seed_keypair(derivedPk, again.data(), seed);
        sodium_memzero(seed, sizeof seed);
        if (sodium_memcmp(derivedPk, signing->data() + crypto_sign_SEEDBYTES,
                          crypto_sign_PUBLICKEYBYTES) != 0)
            return fail(IdentityErrorKind::Damaged,
                        QStringLiteral("the receipt signing key in %1 is damaged").arg(dataDir));
        id.receiptSigningPublicKey =
            QByteArray(reinterpret_cast<const char *>(derivedPk), sizeof derivedPk);
    }
    id.receiptSigningSecretKey = std::move(*signing);
    id.certPem = *cert;
    id.keyPem = std::move(*key);
    id.sealingPublicKey = *pk;
    id.sealingSecretKey = std::move(*sk);
    const auto pin = pinOfCertificate(id.certPem);
    if (!pin)
        return fail(IdentityErrorKind::Damaged,
                    QStringLiteral("the TLS certificate in %1 is unreadable").arg(dataDir));
    id.tlsPin = *pin;
    return id;
}

IdentityError HubIdentity::useTlsFiles(const QString &certFile, const QString &keyFile)
{
    const auto cert = readFile(certFile);
    auto key = SecretBytes::readFile(keyFile, kMaxPemBytes);
    if (!cert || !key)
        return {IdentityErrorKind::Missing, QStringLiteral("cannot read --tls-cert or --tls-key")};
    const auto certPin = pinOfCertificate(*cert);
    const auto keyPin = pinOfPrivateKey(*key);
    if (!certPin || !keyPin || *certPin != *keyPin)
        return {IdentityErrorKind::Damaged,
                QStringLiteral("--tls-key does not belong to --tls-cert")};
    certPem = *cert;
    keyPem = std::move(*key);
    tlsPin = *certPin;
    return {};
}

std::optional<QString> HubIdentity::pinOfCertificate(const QByteArray &pem)
{
    Bio bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        return std::nullopt;
    EVP_PKEY *key = X509_get0_pubkey(cert.get());
    if (!key)
        return std::nullopt;
    return pinOf(key);
}

std::optional<QString> HubIdentity::pinOfPrivateKey(const SecretBytes &pem)
{
    // A read-only BIO over our bytes: OpenSSL does not copy them.
    Bio bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
    PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        return std::nullopt;
    return pinOf(key.get());
}

} // namespace safeguard::hub
