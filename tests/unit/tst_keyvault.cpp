// The key vault: unlock outcomes, the durable attempt counter written in
// place, lockout delays on the injected clock, the wipe key and the wipe,
// passphrase change and key rotation through the store session, parameter
// bounds and damage detection. Uses the Argon2id floor (about 0.1 s a try).
// Crashes at each step are in tst_devicesim (a real process, SIGKILL); the
// raw-disk look after a wipe is tst_rawdiskwipe.
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/passphrasestrength.h"
#include "store/recordstore.h"
#include "store/storesession.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
    crypto_generichash(reinterpret_cast<unsigned char *>(vault.data()) + 136, 32,
                       reinterpret_cast<const unsigned char *>(vault.constData()), 136, nullptr, 0);
}

// Where the in-place counter sits (after the 168-byte header).
constexpr int kCounterOffset = 168;

ino_t inode(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_ino : 0;
}

QString wipeKeyPath(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("wipe.key"));
}

// The 32-byte keys held in wipe.key's two slots (empty slots skipped).
QList<QByteArray> wipeKeysIn(const QString &dir)
{
    const QByteArray f = readAll(wipeKeyPath(dir));
    QList<QByteArray> keys;
    for (int off : {8, 64}) {
        const QByteArray key = f.mid(off + 8, 32);
        if (key.size() == 32 && key != QByteArray(32, '\0'))
            keys.append(key);
    }
    return keys;
}

v1::IncidentRecord oneRecord(const protocol::Clock &clock, quint32 seed = 3)
{
    static const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
    protocol::SyntheticRecordFactory factory(seed, clock, registry);
    return factory.next();
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
        QCOMPARE(readAll(vault.vaultPath()).size(), 188);
        QCOMPARE(QFile::permissions(wipeKeyPath(tmp.filePath("s"))),
                 QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser);
        QCOMPARE(wipeKeysIn(tmp.filePath("s")).size(), 1);
        QCOMPARE(vault.status()->generation, quint64(1));

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
            auto store = RecordStore::open(dir, key, clock,
                                           protocol::RiskChecklistRegistry::sharedBuiltIns());
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
                 (QStringList{QStringLiteral("unrelated.txt"), KeyVault::tombstoneFileName(),
                              QStringLiteral("wipe.key")}));
        // wipe.key stays, overwritten in place: the same inode is used again
        // at the next setup, so no copy of any key is ever left behind.
        QCOMPARE(readAll(wipeKeyPath(dir)).mid(8), QByteArray(120, '\0'));
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
        bytes[kCounterOffset] = 3; // failedAttempts == maxAttempts
        writeAll(vault.vaultPath(), bytes);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Wiped);
    }

    void counterAndWipeKeyAreWrittenInPlace()
    {
        // The fix for old vault copies in free blocks: the counter changes
        // on every attempt and the wipe key at every rotation and wipe, but
        // neither file is ever replaced; vault.bin changes only by rotation.
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        const ino_t vaultInode = inode(vault.vaultPath());
        const ino_t keyInode = inode(wipeKeyPath(dir));
        QVERIFY(vaultInode != 0 && keyInode != 0);
        const QByteArray header = readAll(vault.vaultPath()).left(kCounterOffset);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(vault.unlock(pass(kOther)).status, UnlockStatus::WrongPassphrase);
            clock.advanceSecs(3600); // past each lockout
        }
        QCOMPARE(inode(vault.vaultPath()), vaultInode);
        QCOMPARE(vault.status()->failedAttempts, 5);
        QCOMPARE(readAll(vault.vaultPath()).left(kCounterOffset), header);
        clock.advanceSecs(3600);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Unlocked);
        QCOMPARE(inode(vault.vaultPath()), vaultInode);
        QCOMPARE(vault.status()->failedAttempts, 0);
        QVERIFY(vault.wipe());
        QCOMPARE(inode(wipeKeyPath(dir)), keyInode);
        QCOMPARE(readAll(wipeKeyPath(dir)).mid(8), QByteArray(120, '\0'));
        // Set up again on the same inode.
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        QCOMPARE(inode(wipeKeyPath(dir)), keyInode);
    }

    void theCounterIsRangeChecked()
    {
        QTemporaryDir tmp;
        protocol::ManualClock clock;
        KeyVault vault(tmp.filePath("s"), clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        QByteArray bytes = readAll(vault.vaultPath());
        // A lockout set a year ahead (an edit, or a clock that went back)
        // is cut to what the failures earn: none here.
        const quint64 yearAhead = quint64(clock.nowMs()) + 365ull * 24 * 3600 * 1000;
        for (int i = 0; i < 8; ++i)
            bytes[kCounterOffset + 4 + i] = char((yearAhead >> (8 * i)) & 0xff);
        writeAll(vault.vaultPath(), bytes);
        QCOMPARE(vault.status()->lockedUntilMs, clock.nowMs());
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Unlocked);
        // An unsigned count past the limit counts as the limit: the wipe.
        bytes = readAll(vault.vaultPath());
        for (int i = 0; i < 4; ++i)
            bytes[kCounterOffset + i] = char(0xff);
        writeAll(vault.vaultPath(), bytes);
        QCOMPARE(vault.status()->failedAttempts, KeyVault::kDefaultMaxAttempts);
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Wiped);
    }

    void withoutTheWipeKeyNothingOpens()
    {
        // The wipe key is half of the wrapping key: a vault copied without
        // it, or left behind after it was destroyed, opens nothing with the
        // right passphrase, and the device treats it as wiped.
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        QVERIFY(QFile::remove(wipeKeyPath(dir)));
        QCOMPARE(vault.unlock(pass(kGood)).status, UnlockStatus::Wiped);
        QVERIFY(!vault.exists());

        // A wipe key that is a symbolic link is refused, never followed.
        KeyVault again(tmp.filePath("t"), clock);
        QVERIFY(again.create(pass(kGood), nullptr, kFast).ok());
        const QString key = wipeKeyPath(tmp.filePath("t"));
        QVERIFY(QFile::rename(key, tmp.filePath("elsewhere")));
        QVERIFY(QFile::link(tmp.filePath("elsewhere"), key));
        QCOMPARE(again.unlock(pass(kGood)).status, UnlockStatus::CorruptVault);
        QVERIFY(again.exists()); // refused, not wiped
    }

    void anotherProcessHoldingTheStoreIsRefusedWithoutCountingAnAttempt()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        QVERIFY(vault.create(pass(kGood), nullptr, kFast).ok());
        const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY);
        QVERIFY(fd >= 0);
        QCOMPARE(::flock(fd, LOCK_EX | LOCK_NB), 0);
        const UnlockResult r = vault.unlock(pass(kOther));
        QCOMPARE(r.status, UnlockStatus::StorageError);
        QVERIFY(r.message.contains(QLatin1String("in use")));
        ::close(fd);
        QCOMPARE(vault.status()->failedAttempts, 0);
    }

    void passphraseChangeMovesTheStoreToFreshKeys()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        const v1::IncidentRecord record = oneRecord(clock);
        const QString id = QString::fromStdString(record.record_id());
        QByteArray oldVault, oldStore;
        QList<QByteArray> oldKeys;
        {
            StoreSession session(dir, clock);
            QVERIFY(session.create(pass(kGood), kFast).ok());
            QVERIFY(session.recordStore()->saveDraft(record).ok());
            oldVault = readAll(session.vault().vaultPath());
            oldKeys = wipeKeysIn(dir);
            QCOMPARE(oldKeys.size(), 1);
            RecordStore *store = session.recordStore();

            QCOMPARE(session.changePassphrase(pass(kGood), pass("short")).kind,
                     VaultErrorKind::WeakPassphrase);
            UnlockResult wrong;
            QCOMPARE(session.changePassphrase(pass(kOther), pass(kOther), &wrong).kind,
                     VaultErrorKind::Unlock);
            QCOMPARE(wrong.status, UnlockStatus::WrongPassphrase);
            QCOMPARE(session.vault().status()->failedAttempts, 1);
            QVERIFY(session.changePassphrase(pass(kGood), pass(kOther)).ok());
            // The same store object carries on, now under the new key.
            QCOMPARE(session.state(), StoreSession::State::Unlocked);
            QCOMPARE(session.recordStore(), store);
            QVERIFY(store->load(id).ok());
            QCOMPARE(session.vault().status()->generation, quint64(2));
            QCOMPARE(session.vault().status()->failedAttempts, 0);
            const QStringList left = QDir(dir).entryList({"store.db.g*"}, QDir::Files);
            QVERIFY2(left.isEmpty(), qPrintable(left.join(',')));
            // Only the new wipe key is held; the old one is gone from the file.
            const QList<QByteArray> nowKeys = wipeKeysIn(dir);
            QCOMPARE(nowKeys.size(), 1);
            QVERIFY(!readAll(wipeKeyPath(dir)).contains(oldKeys.first()));
            oldStore = readAll(QDir(dir).filePath(QStringLiteral("store.db")));
        }
        StoreSession session(dir, clock);
        QCOMPARE(session.unlock(pass(kGood)).status, UnlockStatus::WrongPassphrase);
        QCOMPARE(session.unlock(pass(kOther)).status, UnlockStatus::Unlocked);
        auto loaded = session.recordStore()->load(id);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded.value().SerializeAsString(), record.SerializeAsString());
        session.lock();

        // The old vault, put back as a thief with an old copy would, opens
        // nothing even with the old passphrase: its wipe key is destroyed.
        QTemporaryDir copy;
        const QString stolen = copy.filePath("s");
        QVERIFY(QDir().mkpath(stolen));
        writeAll(QDir(stolen).filePath("vault.bin"), oldVault);
        QFile::copy(wipeKeyPath(dir), wipeKeyPath(stolen));
        QFile::copy(QDir(dir).filePath("store.db"), QDir(stolen).filePath("store.db"));
        QFile::setPermissions(QDir(stolen).filePath("vault.bin"),
                              QFile::ReadOwner | QFile::WriteOwner);
        KeyVault thief(stolen, clock);
        QVERIFY(thief.unlock(pass(kGood)).status != UnlockStatus::Unlocked);
    }

    void keysRotateOnceADayWhileTheStoreIsUsed()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        const v1::IncidentRecord record = oneRecord(clock, 11);
        const QString id = QString::fromStdString(record.record_id());
        StoreSession session(dir, clock);
        QVERIFY(session.create(pass(kGood), kFast).ok());
        QVERIFY(session.recordStore()->saveDraft(record).ok());
        const int schema = session.recordStore()->schemaVersion();
        QVERIFY(!session.vault().rotationDue());
        QVERIFY(session.rotateKeysIfDue().ok());
        QCOMPARE(session.vault().status()->generation, quint64(1));
        clock.advanceSecs(24 * 3600);
        QVERIFY(session.vault().rotationDue());
        QVERIFY(session.rotateKeysIfDue().ok());
        QCOMPARE(session.vault().status()->generation, quint64(2));
        QCOMPARE(session.vault().status()->keyCreatedMs, clock.nowMs());
        // Schema version and rows survive the copy; the store stays writable.
        QCOMPARE(session.recordStore()->schemaVersion(), schema);
        QVERIFY(session.recordStore()->load(id).ok());
        QVERIFY(session.recordStore()->saveDraft(oneRecord(clock, 12)).ok());
        QVERIFY(session.recordStore()->verifyEveryPage().ok());

        // Locked over the day boundary: the rotation happens at unlock.
        session.lock();
        clock.advanceSecs(25 * 3600);
        QCOMPARE(session.unlock(pass(kGood)).status, UnlockStatus::Unlocked);
        QCOMPARE(session.vault().status()->generation, quint64(3));
        QCOMPARE(session.recordStore()->listRecords().value().size(), 2);
        session.lock();
        QCOMPARE(session.unlock(pass(kGood)).status, UnlockStatus::Unlocked);
        QCOMPARE(session.vault().status()->generation, quint64(3));
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
        // The header, wrapped key and checksum (0-167); the counter after it
        // is not covered (it changes on every attempt).
        for (int off : {0, 9, 20, 40, 60, 75, 84, 100, 135, 150})
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
