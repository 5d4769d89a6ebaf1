// The key vault: unlock outcomes, the durable attempt counter, lockout
// delays on the injected clock, the wipe, passphrase change, parameter
// bounds and damage detection. Uses the Argon2id floor (about 0.1 s a try).
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/passphrasestrength.h"
#include "store/recordstore.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sodium.h>

using namespace safeguard;
using namespace safeguard::store;

namespace {

const KdfParams kFast = KdfLimits::kFloor;

SecureBuffer pass(const char *s)
{
    return SecureBuffer::fromPassphrase(QString::fromUtf8(s));
}

const char *kGood = "orbit lantern cabbage velvet harbour";
const char *kOther = "glacier pencil thunder mango tribune";

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

// Re-seals the (unauthenticated) damage checksum, as an attacker could.
void resealChecksum(QByteArray &vault)
{
    crypto_generichash(reinterpret_cast<unsigned char *>(vault.data()) + 132, 32,
                       reinterpret_cast<const unsigned char *>(vault.constData()), 132, nullptr, 0);
}

} // namespace

class TestKeyVault : public QObject
{
    Q_OBJECT

private slots:
    void createAndUnlock()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        DataKey created;
        QVERIFY(vault.create(pass(kGood), &created, kFast).ok());
        QCOMPARE(created.size(), kDataKeyBytes);
        QCOMPARE(QFile::permissions(vault.vaultPath()),
                 QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser);
        QCOMPARE(readAll(vault.vaultPath()).size(), 164);

        UnlockResult r = vault.unlock(pass(kGood));
        QCOMPARE(r.status, UnlockStatus::Unlocked);
        QCOMPARE(r.key.size(), kDataKeyBytes);
        QCOMPARE(sodium_memcmp(r.key.data(), created.data(), kDataKeyBytes), 0);
        QCOMPARE(vault.create(pass(kGood), nullptr, kFast).kind, VaultErrorKind::AlreadyExists);
    }

    void weakPassphraseRefusedInPlainWords()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        const VaultError e = vault.create(pass("password1"), nullptr, kFast);
        QCOMPARE(e.kind, VaultErrorKind::WeakPassphrase);
        QVERIFY(e.message.contains(QLatin1String("four unrelated words")));
        QVERIFY(!vault.exists());
        QVERIFY(!PassphraseStrength::judge(pass("Summer2026!")).acceptable());
        QVERIFY(PassphraseStrength::judge(pass(kGood)).acceptable());
    }

    void passphraseEncodedAsUtf8()
    {
        const SecureBuffer b = SecureBuffer::fromPassphrase(QString::fromUtf8("é€😀a"));
        const QByteArray expected = QString::fromUtf8("é€😀a").toUtf8();
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(b.data()), qsizetype(b.size())),
                 expected);
    }

    void wrongPassphraseCountsAndSuccessResets()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        UnlockResult r = vault.unlock(pass(kOther));
        QCOMPARE(r.status, UnlockStatus::WrongPassphrase);
        QCOMPARE(r.attemptsLeft, 9);
        QVERIFY(r.key.isNull());
        QCOMPARE(vault.status()->failedAttempts, 1);
        QCOMPARE(vault.unlock(pass(kOther)).attemptsLeft, 8);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Unlocked);
        QCOMPARE(vault.status()->failedAttempts, 0);
    }

    void lockoutEscalatesOnTheInjectedClock()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        for (int i = 1; i <= 3; ++i) {
            const UnlockResult r = vault.unlock(pass(kOther));
            QCOMPARE(r.status, UnlockStatus::WrongPassphrase);
            QVERIFY(!r.lockedUntil.isValid());
        }
        // The 4th failure starts a 30 s delay, then 60 s, 120 s, 300 s...
        const qint64 expected[] = {30, 60, 120, 300};
        for (int k = 0; k < 4; ++k) {
            const UnlockResult r = vault.unlock(pass(kOther));
            QCOMPARE(r.status, UnlockStatus::WrongPassphrase);
            QCOMPARE(r.lockedUntil, clock.nowUtc().addSecs(expected[k]));
            // Even the right passphrase is not tried while locked out, and
            // the refusal does not cost an attempt.
            const int before = vault.status()->failedAttempts;
            const UnlockResult locked = vault.unlock(pass(kGood));
            QCOMPARE(locked.status, UnlockStatus::LockedOut);
            QCOMPARE(locked.lockedUntil, r.lockedUntil);
            QCOMPARE(vault.status()->failedAttempts, before);
            clock.advanceSecs(expected[k] - 1);
            QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::LockedOut);
            clock.advanceSecs(1);
        }
        QCOMPARE(vault.status()->failedAttempts, 7);
        // After the delay the right passphrase works and clears everything.
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Unlocked);
        QCOMPARE(vault.status()->failedAttempts, 0);
        QCOMPARE(vault.status()->lockedUntilMs, 0);
    }

    void tenthFailureWipesKeyAndStore()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        DataKey key;
        QVERIFY(vault.create(pass(kGood), &key, kFast).ok());
        {
            auto store = RecordStore::open(dir, key, clock);
            QVERIFY(store.ok());
            const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
            protocol::SyntheticRecordFactory factory(7, clock, registry);
            QVERIFY(store.value()->saveDraft(factory.next()).ok());
        }
        QVERIFY(QFile::exists(QDir(dir).filePath(RecordStore::databaseFileName())));
        // A file the store did not make is not its to destroy.
        QFile other(QDir(dir).filePath("unrelated.txt"));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("kept");
        other.close();
        UnlockResult r;
        for (int i = 1; i <= 9; ++i) {
            r = vault.unlock(pass(kOther));
            QCOMPARE(r.status, UnlockStatus::WrongPassphrase);
            QCOMPARE(r.attemptsLeft, 10 - i);
            clock.advanceSecs(24 * 3600);
        }
        r = vault.unlock(pass(kOther));
        QCOMPARE(r.status, UnlockStatus::Wiped);
        QVERIFY(!vault.exists());
        QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden, QDir::Name),
                 (QStringList{QStringLiteral("unrelated.txt"), KeyVault::tombstoneFileName()}));
        // The right passphrase no longer helps.
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Wiped);
    }

    void configurableAttemptLimit()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast, 3).ok());
        QCOMPARE(vault.unlock(pass(kOther)).attemptsLeft, 2);
        QCOMPARE(vault.unlock(pass(kOther)).attemptsLeft, 1);
        QCOMPARE(vault.unlock(pass(kOther)).status, UnlockStatus::Wiped);
    }

    void interruptedFinalAttemptStillWipes()
    {
        // A process killed during the last permitted check leaves the
        // counter at the limit; the next start wipes instead of trying again.
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast, 3).ok());
        QByteArray bytes = readAll(vault.vaultPath());
        bytes[120] = 3; // failedAttempts == maxAttempts
        resealChecksum(bytes);
        writeAll(vault.vaultPath(), bytes);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Wiped);
    }

    void passphraseChangeRewrapsTheSameKey()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        DataKey key;
        QVERIFY(vault.create(pass(kGood), &key, kFast).ok());
        const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(3, clock, registry);
        const v1::IncidentRecord record = factory.next();
        {
            auto store = RecordStore::open(dir, key, clock);
            QVERIFY(store.ok());
            QVERIFY(store.value()->saveDraft(record).ok());
        }
        const QByteArray dbBefore = readAll(QDir(dir).filePath(RecordStore::databaseFileName()));

        QCOMPARE(vault.changePassphrase(pass(kGood), pass("short")).kind,
                 VaultErrorKind::WeakPassphrase);
        QCOMPARE(vault.changePassphrase(pass(kOther), pass(kOther)).kind, VaultErrorKind::Unlock);
        QVERIFY(vault.changePassphrase(pass(kGood), pass(kOther)).ok());

        // The database was not re-encrypted.
        QCOMPARE(readAll(QDir(dir).filePath(RecordStore::databaseFileName())), dbBefore);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::WrongPassphrase);
        UnlockResult r = vault.unlock(pass(kOther));
        QCOMPARE(r.status, UnlockStatus::Unlocked);
        auto store = RecordStore::open(dir, r.key, clock);
        QVERIFY(store.ok());
        auto loaded = store.value()->load(QString::fromStdString(record.record_id()));
        QVERIFY(loaded.ok());
        QCOMPARE(loaded.value().SerializeAsString(), record.SerializeAsString());
    }

    void parametersOutsideFloorOrCeilingRefused_data()
    {
        QTest::addColumn<quint64>("ops");
        QTest::addColumn<quint64>("mem");
        QTest::newRow("ops below floor")
            << quint64(KdfLimits::kFloor.opsLimit - 1) << quint64(KdfLimits::kFloor.memLimitBytes);
        QTest::newRow("mem below floor")
            << quint64(KdfLimits::kFloor.opsLimit) << quint64(KdfLimits::kFloor.memLimitBytes / 2);
        QTest::newRow("ops above ceiling") << quint64(KdfLimits::kCeiling.opsLimit + 1)
                                           << quint64(KdfLimits::kFloor.memLimitBytes);
        QTest::newRow("mem above ceiling") << quint64(KdfLimits::kFloor.opsLimit)
                                           << quint64(KdfLimits::kCeiling.memLimitBytes * 2);
    }

    void parametersOutsideFloorOrCeilingRefused()
    {
        QFETCH(quint64, ops);
        QFETCH(quint64, mem);
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QCOMPARE(vault.create(pass(kGood), nullptr, KdfParams{ops, mem}).kind,
                 VaultErrorKind::ParametersOutOfRange);
        QVERIFY(!vault.exists());

        // A vault edited to carry them (checksum re-sealed, as an attacker
        // could) is refused before any Argon2id run or attempt is counted.
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        QByteArray bytes = readAll(vault.vaultPath());
        for (int i = 0; i < 8; ++i) {
            bytes[16 + i] = char((ops >> (8 * i)) & 0xff);
            bytes[24 + i] = char((mem >> (8 * i)) & 0xff);
        }
        resealChecksum(bytes);
        writeAll(vault.vaultPath(), bytes);
        const UnlockResult r = vault.unlock(pass(kGood));
        QCOMPARE(r.status, UnlockStatus::CorruptVault);
        QCOMPARE(readAll(vault.vaultPath()), bytes);
    }

    void editedHeaderWithinLimitsFailsAuthentication()
    {
        // Raising the attempt limit (bound as associated data) breaks unlock.
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        QByteArray bytes = readAll(vault.vaultPath());
        bytes[12] = 99;
        resealChecksum(bytes);
        writeAll(vault.vaultPath(), bytes);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::WrongPassphrase);
    }

    void flippedByteInVaultIsCorrupt_data()
    {
        QTest::addColumn<int>("offset");
        for (int off : {0, 9, 20, 40, 60, 80, 119, 121, 130, 150})
            QTest::newRow(qPrintable(QString::number(off))) << off;
    }

    void flippedByteInVaultIsCorrupt()
    {
        QFETCH(int, offset);
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        QByteArray bytes = readAll(vault.vaultPath());
        bytes[offset] = char(bytes[offset] ^ 0x01);
        writeAll(vault.vaultPath(), bytes);
        const UnlockResult r = vault.unlock(pass(kGood));
        QCOMPARE(r.status, UnlockStatus::CorruptVault);
        QVERIFY(r.key.isNull());
        writeAll(vault.vaultPath(), bytes.left(100)); // truncated
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::CorruptVault);
    }

    void missingVaultIsNotAWipe()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::CorruptVault);
    }
};

QTEST_GUILESS_MAIN(TestKeyVault)
#include "tst_keyvault.moc"
