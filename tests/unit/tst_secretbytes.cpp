// SecretBytes, where the hub keeps its sealing key and its TLS key: one
// owner (move-only), zeroed bytes on allocation, a NUL after the bytes for C
// APIs, emptied by a move or a wipe, mlock()ed, read from a file without a
// Qt buffer; and the identity's secrets loaded into it.
#include "hub/hubidentity.h"
#include "hub/secretbytes.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>
#include <type_traits>

using namespace safeguard::hub;

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(std::is_nothrow_move_assignable_v<SecretBytes>);
// One owner each: an identity can be moved, never copied.
static_assert(!std::is_copy_constructible_v<HubIdentity>);

namespace {

// Memory this process has locked, in kB (VmLck in /proc/self/status).
qint64 lockedKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmLck:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

bool allZero(const SecretBytes &s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.data()[i] != 0)
            return false;
    }
    return true;
}

} // namespace

class TestSecretBytes : public QObject
{
    Q_OBJECT

private slots:
    void emptyHoldsNothing()
    {
        const SecretBytes none;
        QVERIFY(none.isEmpty());
        QCOMPARE(none.size(), std::size_t(0));
        QVERIFY(!none.data());
        QCOMPARE(std::strlen(none.c_str()), std::size_t(0));
        QVERIFY(none.view().isEmpty());
        const SecretBytes zero(0);
        QVERIFY(zero.isEmpty());
    }

    void newBytesAreZeroAndNulTerminated()
    {
        SecretBytes s(32);
        QCOMPARE(s.size(), std::size_t(32));
        QVERIFY(allZero(s));
        std::memset(s.data(), 'k', s.size());
        QCOMPARE(s.c_str()[32], '\0');
        QCOMPARE(std::strlen(s.c_str()), std::size_t(32));

        const char pem[] = "-----BEGIN PRIVATE KEY-----";
        const SecretBytes copy = SecretBytes::copyOf(pem, sizeof pem - 1);
        QCOMPARE(QByteArray(copy.c_str()), QByteArray(pem));
        QCOMPARE(copy.view(), QByteArrayView(pem));
    }

    void aMoveLeavesOneOwner()
    {
        SecretBytes first = SecretBytes::copyOf("sealing", 7);
        const unsigned char *where = first.data();
        SecretBytes second(std::move(first));
        // The bytes changed hands, not place: no copy was made.
        QVERIFY(first.isEmpty());
        QVERIFY(!first.data());
        QCOMPARE(second.data(), where);
        QCOMPARE(second.view(), QByteArrayView("sealing"));

        SecretBytes third = SecretBytes::copyOf("old", 3);
        third = std::move(second); // the old bytes are wiped and freed
        QVERIFY(second.isEmpty());
        QCOMPARE(third.data(), where);

        SecretBytes &alias = third;
        third = std::move(alias); // a self-move keeps the bytes
        QCOMPARE(third.view(), QByteArrayView("sealing"));
    }

    void wipeEmptiesIt()
    {
        SecretBytes s = SecretBytes::copyOf("secret", 6);
        s.wipe();
        QVERIFY(s.isEmpty());
        QVERIFY(!s.data());
        s.wipe(); // twice is harmless
        QVERIFY(s.isEmpty());
    }

    void bytesAreLockedInMemory()
    {
        const qint64 before = lockedKiB();
        if (before < 0)
            QSKIP("no VmLck in /proc/self/status");
        SecretBytes big(256 * 1024);
        const qint64 held = lockedKiB();
        if (held == before)
            QSKIP("mlock refused here (RLIMIT_MEMLOCK); libsodium carries on unlocked");
        QVERIFY2(held - before >= 256,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(held)));
        big.wipe();
        QVERIFY(lockedKiB() < held);
    }

    void readFileTakesAWholeRegularFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sealing.key"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray bytes(32, '\x5a');
        f.write(bytes);
        f.close();

        const auto read = SecretBytes::readFile(path, 32);
        QVERIFY(read);
        QCOMPARE(read->view(), QByteArrayView(bytes));
        QVERIFY(!SecretBytes::readFile(path, 31)); // larger than allowed
        QVERIFY(!SecretBytes::readFile(dir.filePath(QStringLiteral("missing")), 32));
        QVERIFY(!SecretBytes::readFile(dir.path(), 4096)); // not a regular file
    }

    void identitySecretsAreLoadedIntoSecretBytes()
    {
        QTemporaryDir dir;
        const QString data = dir.filePath(QStringLiteral("hub"));
        QVERIFY(HubIdentity::init(data).ok());
        IdentityError error;
        auto identity = HubIdentity::load(data, &error);
        QVERIFY2(identity, qPrintable(error.message));
        QCOMPARE(identity->sealingSecretKey.size(), std::size_t(32));
        QVERIFY(!allZero(identity->sealingSecretKey));
        QFile key(data + QStringLiteral("/tls-key.pem"));
        QVERIFY(key.open(QIODevice::ReadOnly));
        QCOMPARE(identity->keyPem.view(), QByteArrayView(key.readAll()));
        QCOMPARE(HubIdentity::pinOfPrivateKey(identity->keyPem), identity->tlsPin);

        // serve moves the key to the server: the identity keeps no copy.
        const SecretBytes taken = std::move(identity->keyPem);
        QVERIFY(identity->keyPem.isEmpty());
        QVERIFY(!taken.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSecretBytes)
#include "tst_secretbytes.moc"
