// The wipe as a thief with the raw disk sees it. The device's store lives on
// a real ext4 file system in an image this test makes and loop-mounts (as
// root: it fails, loudly, where it cannot). The device is set up, enrolled,
// unlocked several times, has its passphrase changed, submits and syncs,
// purges, rotates its keys, and is then wiped: once by the hub's order to a
// locked device, once by ten wrong passphrases. Afterwards the RAW IMAGE is
// searched the way a forensic examiner would search it:
//   - every copy of wipe.key is carved and every copy of vault.bin is tried
//     with every passphrase the officer ever had and every wipe key found;
//   - every 4 KiB block and every WAL frame is decrypted with every data key
//     that unwraps, looking for the records' text;
//   - the records' text and every wipe key the device ever held are searched
//     for as plain bytes.
// Before each wipe the same examination must FIND the live records (the
// scanner is real); after the rotation it must not find what was purged
// before it; after the wipe it must find nothing.
#include "hubprocess.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/storesession.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <openssl/evp.h>
#include <unistd.h>

using namespace safeguard;
using namespace safeguard::store;

namespace {

const QString kFirst = QStringLiteral("orbit lantern cabbage velvet harbour");
const QString kSecond = QStringLiteral("quartz meadow bicycle lantern ferry");
const QString kWrong = QStringLiteral("glacier pencil thunder mango tribune");
constexpr int kPage = 4096;  // the store's cipher page size
constexpr int kReserve = 48; // SQLCipher 3: IV 16 + HMAC-SHA1 20, rounded to 16
constexpr int kImageMiB = 64;

QString tool(const QString &name)
{
    return QStandardPaths::findExecutable(name,
                                          {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                           QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
}

bool runTool(const QString &name, const QStringList &args, QString *error)
{
    const QString path = tool(name);
    if (path.isEmpty()) {
        *error = name + QStringLiteral(" is not installed (scripts/install-deps.sh installs it)");
        return false;
    }
    QProcess p;
    p.start(path, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = QStringLiteral("%1 %2 failed: %3")
                     .arg(name, args.join(QLatin1Char(' ')),
                          QString::fromLocal8Bit(p.readAllStandardError()));
        return false;
    }
    return true;
}

// An ext4 file system in an image file, loop-mounted for the test's life.
class Ext4Image
{
public:
    bool make(const QString &dir, QString *error)
    {
        m_image = QDir(dir).filePath(QStringLiteral("disk.img"));
        m_mount = QDir(dir).filePath(QStringLiteral("mnt"));
        if (::geteuid() != 0) {
            *error = QStringLiteral("loop-mounting an ext4 image needs root (CI runs as root)");
            return false;
        }
        QFile img(m_image);
        if (!img.open(QIODevice::WriteOnly) || !img.resize(qint64(kImageMiB) << 20)) {
            *error = QStringLiteral("cannot make the image file");
            return false;
        }
        img.close();
        if (!QDir().mkpath(m_mount))
            return false;
        if (!runTool(QStringLiteral("mkfs.ext4"),
                     {QStringLiteral("-q"), QStringLiteral("-F"), QStringLiteral("-b"),
                      QStringLiteral("4096"), m_image},
                     error) ||
            !runTool(QStringLiteral("mount"),
                     {QStringLiteral("-o"), QStringLiteral("loop"), m_image, m_mount}, error))
            return false;
        m_mounted = true;
        return true;
    }
    // Everything the file system holds, written through to the image.
    bool unmount(QString *error)
    {
        if (!m_mounted)
            return true;
        m_mounted = !runTool(QStringLiteral("umount"), {m_mount}, error);
        return !m_mounted;
    }
    ~Ext4Image()
    {
        QString ignored;
        unmount(&ignored);
    }
    QString mountPoint() const { return m_mount; }
    // The raw bytes, as a thief's copy of the disk; sync() first so what the
    // file system holds in memory is on the image.
    QByteArray raw() const
    {
        ::sync();
        QFile f(m_image);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private:
    QString m_image;
    QString m_mount;
    bool m_mounted = false;
};

QList<qsizetype> offsetsOf(const QByteArray &haystack, const QByteArray &needle)
{
    QList<qsizetype> at;
    for (qsizetype i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1))
        at.append(i);
    return at;
}

// AES-256-CBC without padding, as SQLCipher 3 encrypts a page.
QByteArray aesCbcDecrypt(const QByteArray &key, const char *iv, const char *data, int size)
{
    QByteArray out(size + 16, Qt::Uninitialized);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    const bool ok =
        EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr,
                           reinterpret_cast<const unsigned char *>(key.constData()),
                           reinterpret_cast<const unsigned char *>(iv)) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
        EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char *>(out.data()), &n,
                          reinterpret_cast<const unsigned char *>(data), size) == 1 &&
        EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char *>(out.data()) + n, &m) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? out.left(n + m) : QByteArray();
}

// A page at data (kPage bytes) decrypted with key, both as page 1 (the
// first 16 bytes are the file's salt) and as any other page.
QByteArray decryptPage(const QByteArray &key, const char *page)
{
    const char *iv = page + kPage - kReserve;
    return aesCbcDecrypt(key, iv, page, kPage - kReserve) +
           aesCbcDecrypt(key, iv, page + 16, kPage - kReserve - 16);
}

struct Examination
{
    QList<QByteArray> wipeKeys;   // every non-empty slot of every wipe.key copy
    int vaultCopies = 0;          // copies of vault.bin carved
    QList<QByteArray> dataKeys;   // distinct data keys that unwrapped
    QSet<QByteArray> textFound;   // markers recovered by decryption with those keys
    QSet<QByteArray> plainFound;  // markers present as plain bytes
    QSet<QByteArray> keysInPlain; // known wipe keys present anywhere on the image
};

// What a forensic examiner gets from the image, knowing every passphrase
// the officer ever used and the formats (our own code tells them).
Examination examine(const QByteArray &image, const QStringList &passphrases,
                    const QList<QByteArray> &markers, const QList<QByteArray> &knownWipeKeys)
{
    Examination e;
    for (qsizetype off : offsetsOf(image, QByteArrayLiteral("SGWIPEK1"))) {
        for (int slot : {8, 64}) {
            const QByteArray key = image.mid(off + slot + 8, 32);
            if (key.size() == 32 && key != QByteArray(32, '\0') && !e.wipeKeys.contains(key))
                e.wipeKeys.append(key);
        }
    }
    // A destroyed slot is zeros: try that too, and no wipe key at all.
    QList<QByteArray> candidates = e.wipeKeys;
    candidates.append(QByteArray(32, '\0'));
    for (qsizetype off : offsetsOf(image, QByteArrayLiteral("SGVAULT2"))) {
        const QByteArray copy = image.mid(off, 168); // the header and wrapped key
        if (copy.size() < 168)
            continue;
        ++e.vaultCopies;
        for (const QString &pass : passphrases) {
            const SecureBuffer p = SecureBuffer::fromPassphrase(pass);
            for (const QByteArray &wipeKey : candidates) {
                const DataKey key = KeyVault::unwrapCopy(copy, p, wipeKey);
                if (key.isNull())
                    continue;
                const QByteArray bytes(reinterpret_cast<const char *>(key.data()),
                                       qsizetype(key.size()));
                if (!e.dataKeys.contains(bytes))
                    e.dataKeys.append(bytes);
            }
        }
    }
    // A marker counts as found when either half is: a row that runs on into
    // an overflow page can cut it in two, but never both halves.
    auto halves = [](const QByteArray &m) {
        return std::pair{m.left(m.size() / 2), m.mid(m.size() / 2)};
    };
    auto contains = [&](const QByteArray &bytes, const QByteArray &m) {
        const auto [a, b] = halves(m);
        return bytes.contains(a) || bytes.contains(b);
    };
    auto look = [&](const QByteArray &plain) {
        for (const QByteArray &m : markers)
            if (contains(plain, m))
                e.textFound.insert(m);
    };
    for (const QByteArray &key : e.dataKeys) {
        // Every block, as a database page.
        for (qsizetype off = 0; off + kPage <= image.size(); off += kPage)
            look(decryptPage(key, image.constData() + off));
        // Every WAL found by its header, frame by frame (24-byte frame
        // headers put its pages off the block grid).
        for (const char *magic : {"\x37\x7f\x06\x82", "\x37\x7f\x06\x83"}) {
            for (qsizetype off : offsetsOf(image, QByteArray(magic, 4))) {
                for (qsizetype f = off + 32 + 24; f + kPage <= image.size(); f += 24 + kPage) {
                    if (image.mid(f - 24, 8) == QByteArray(8, '\0'))
                        break; // past the last frame
                    look(decryptPage(key, image.constData() + f));
                }
            }
        }
    }
    for (const QByteArray &m : markers)
        if (contains(image, m))
            e.plainFound.insert(m);
    for (const QByteArray &k : knownWipeKeys)
        if (image.contains(k))
            e.keysInPlain.insert(k);
    return e;
}

// Every wipe key the device holds now (read through the file system, as
// only the test can): so the image can be searched for each afterwards.
void collectWipeKeys(const QString &dir, QList<QByteArray> *keys)
{
    QFile f(QDir(dir).filePath(QStringLiteral("wipe.key")));
    if (!f.open(QIODevice::ReadOnly))
        return;
    const QByteArray bytes = f.readAll();
    for (int slot : {8, 64}) {
        const QByteArray key = bytes.mid(slot + 8, 32);
        if (key.size() == 32 && key != QByteArray(32, '\0') && !keys->contains(key))
            keys->append(key);
    }
}

// Drafts whose circumstances carry a unique marker: the text to look for.
QList<QByteArray> saveMarkedDrafts(StoreSession &session, int count, quint32 seed)
{
    protocol::ManualClock clock;
    const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
    protocol::SyntheticRecordFactory factory(seed, clock, registry);
    QList<QByteArray> markers;
    for (int i = 0; i < count; ++i) {
        v1::IncidentRecord r = factory.next();
        // Both halves unique: 32 random hex digits, 16 in each.
        const QByteArray marker =
            "SYNTHETIC-" + QUuid::createUuid().toByteArray(QUuid::Id128) + "-MARK";
        r.mutable_incident()->set_circumstances(
            ("Synthetic circumstances " + marker + " for the raw-disk test.").toStdString());
        if (const StoreError e = session.recordStore()->saveDraft(r); e)
            return {};
        markers.append(marker);
    }
    return markers;
}

QString describe(const Examination &e)
{
    return QStringLiteral("wipe keys found %1, vault copies %2, data keys %3, text found %4, "
                          "plain text %5, known wipe keys in plain %6")
        .arg(e.wipeKeys.size())
        .arg(e.vaultCopies)
        .arg(e.dataKeys.size())
        .arg(e.textFound.size())
        .arg(e.plainFound.size())
        .arg(e.keysInPlain.size());
}

} // namespace

class TestRawDiskWipe : public QObject
{
    Q_OBJECT

    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };

    QStringList base(const QString &store, const QString &passFile = QString()) const
    {
        QStringList args{QStringLiteral("--store"),       store,
                         QStringLiteral("--kdf-ops"),     QStringLiteral("2"),
                         QStringLiteral("--kdf-mem-mib"), QStringLiteral("64")};
        if (!passFile.isEmpty())
            args << QStringLiteral("--passphrase-file") << passFile;
        return args;
    }

    Run sim(QStringList args, const QStringList &more)
    {
        args.append(more);
        QProcess p;
        p.start(QStringLiteral(SAFEGUARD_DEVICESIM), args);
        Run r;
        if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit)
            return r;
        r.exitCode = p.exitCode();
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    static QString passFile(const QString &dir, const QString &name, const QString &pass)
    {
        const QString path = QDir(dir).filePath(name);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(pass.toUtf8() + '\n');
        return path;
    }

private slots:
    void aHubOrderedWipeOfALockedDeviceLeavesNothingOnTheRawDisk()
    {
        QTemporaryDir tmp(QDir::current().filePath(QStringLiteral("rawdisk-XXXXXX")));
        QVERIFY(tmp.isValid());
        Ext4Image disk;
        QString error;
        QVERIFY2(disk.make(tmp.path(), &error), qPrintable(error));
        const QString store = QDir(disk.mountPoint()).filePath(QStringLiteral("device"));
        const QString first = passFile(tmp.path(), QStringLiteral("first.txt"), kFirst);
        const QString second = passFile(tmp.path(), QStringLiteral("second.txt"), kSecond);
        QList<QByteArray> heldKeys;

        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);

        // Set up, enrol, unlock several times, change the passphrase.
        QCOMPARE(sim(base(store, first), {QStringLiteral("init")}).exitCode, 0);
        collectWipeKeys(store, &heldKeys);
        Run r = sim(base(store, first), {QStringLiteral("enrol"), codes.first()});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString device =
            QJsonDocument::fromJson(r.out.trimmed()).object().value("device_id").toString();
        QVERIFY(!device.isEmpty());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(sim(base(store, first), {QStringLiteral("verify")}).exitCode, 0);
        r = sim(base(store, first), {QStringLiteral("change-passphrase"), second});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        collectWipeKeys(store, &heldKeys);

        // Six records with text to look for, submitted and acknowledged.
        protocol::ManualClock clock;
        QList<QByteArray> markers;
        {
            StoreSession session(store, clock);
            QCOMPARE(session.unlock(SecureBuffer::fromPassphrase(kSecond)).status,
                     UnlockStatus::Unlocked);
            markers = saveMarkedDrafts(session, 6, 41);
            QCOMPARE(markers.size(), 6);
        }
        QCOMPARE(sim(base(store, second), {QStringLiteral("submit-all")}).exitCode, 0);
        r = sim(base(store, second), {QStringLiteral("sync")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out.trimmed().split('\n').last())
                     .object()
                     .value("acknowledged")
                     .toInt(),
                 6);

        // The first three are purged (acknowledged, so allowed).
        const QList<QByteArray> purged = markers.mid(0, 3);
        const QList<QByteArray> live = markers.mid(3);
        {
            StoreSession session(store, clock);
            QCOMPARE(session.unlock(SecureBuffer::fromPassphrase(kSecond)).status,
                     UnlockStatus::Unlocked);
            const auto list = session.recordStore()->listRecords();
            QVERIFY(list.ok());
            int done = 0;
            for (const RecordSummary &s : list.value()) {
                auto record = session.recordStore()->load(s.recordId);
                QVERIFY(record.ok());
                const QByteArray text =
                    QByteArray::fromStdString(record.value().incident().circumstances());
                for (const QByteArray &m : purged) {
                    if (text.contains(m)) {
                        QVERIFY(session.recordStore()->purge(s.recordId).ok());
                        ++done;
                    }
                }
            }
            QCOMPARE(done, 3);
        }
        const QStringList passphrases{kFirst, kSecond};

        // The scanner is real: with the passphrase and what is on the disk
        // it recovers the live records' text.
        Examination before = examine(disk.raw(), passphrases, markers, heldKeys);
        QVERIFY2(!before.dataKeys.isEmpty(), qPrintable(describe(before)));
        for (const QByteArray &m : live)
            QVERIFY2(before.textFound.contains(m), qPrintable(describe(before)));
        QVERIFY2(before.plainFound.isEmpty(), qPrintable(describe(before)));

        // Rotation: afterwards only the current vault opens, and what was
        // purged before it is unreadable even with the passphrase.
        r = sim(base(store, second), {QStringLiteral("rotate-keys")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        collectWipeKeys(store, &heldKeys);
        const Examination rotated = examine(disk.raw(), passphrases, markers, heldKeys);
        QVERIFY2(rotated.dataKeys.size() == 1, qPrintable(describe(rotated)));
        QVERIFY2(rotated.vaultCopies >= 1, qPrintable(describe(rotated)));
        for (const QByteArray &m : live)
            QVERIFY2(rotated.textFound.contains(m), qPrintable(describe(rotated)));
        for (const QByteArray &m : purged)
            QVERIFY2(!rotated.textFound.contains(m), qPrintable(describe(rotated)));
        QCOMPARE(heldKeys.size(), 3); // one per generation: init, change, rotation
        for (int i = 0; i < heldKeys.size() - 1; ++i)
            QVERIFY2(!rotated.keysInPlain.contains(heldKeys.at(i)),
                     "an old wipe key is still on the disk");

        // The hub revokes the device; the device, locked, checks in and is
        // wiped.
        QCOMPARE(hub.cli(QStringLiteral("revoke-device"),
                         {QStringLiteral("--by"), testing::HubProcess::kStaff,
                          QStringLiteral("--device"), device}),
                 0);
        r = sim(base(store), {QStringLiteral("sync")});
        QCOMPARE(r.exitCode, 12);
        QVERIFY(QFile::exists(QDir(store).filePath(KeyVault::tombstoneFileName())));
        QVERIFY(!QFile::exists(QDir(store).filePath(KeyVault::vaultFileName())));
        QVERIFY2(disk.unmount(&error), qPrintable(error));

        const Examination after = examine(disk.raw(), passphrases, markers, heldKeys);
        QVERIFY2(after.wipeKeys.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.keysInPlain.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.dataKeys.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.textFound.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.plainFound.isEmpty(), qPrintable(describe(after)));
        qInfo("after the hub's wipe: %s", qPrintable(describe(after)));
    }

    void tenWrongPassphrasesLeaveNothingOnTheRawDisk()
    {
        QTemporaryDir tmp(QDir::current().filePath(QStringLiteral("rawdisk-XXXXXX")));
        QVERIFY(tmp.isValid());
        Ext4Image disk;
        QString error;
        QVERIFY2(disk.make(tmp.path(), &error), qPrintable(error));
        const QString store = QDir(disk.mountPoint()).filePath(QStringLiteral("device"));
        const QString first = passFile(tmp.path(), QStringLiteral("first.txt"), kFirst);
        QList<QByteArray> heldKeys;

        QCOMPARE(sim(base(store, first), {QStringLiteral("init")}).exitCode, 0);
        collectWipeKeys(store, &heldKeys);
        protocol::ManualClock clock;
        QList<QByteArray> markers;
        {
            StoreSession session(store, clock);
            QCOMPARE(session.unlock(SecureBuffer::fromPassphrase(kFirst)).status,
                     UnlockStatus::Unlocked);
            markers = saveMarkedDrafts(session, 4, 43);
            QCOMPARE(markers.size(), 4);
        }
        QCOMPARE(sim(base(store, first), {QStringLiteral("submit-all")}).exitCode, 0);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(sim(base(store, first), {QStringLiteral("verify")}).exitCode, 0);
        QCOMPARE(sim(base(store, first), {QStringLiteral("rotate-keys")}).exitCode, 0);
        collectWipeKeys(store, &heldKeys);

        const Examination before = examine(disk.raw(), {kFirst}, markers, heldKeys);
        QVERIFY2(before.dataKeys.size() == 1, qPrintable(describe(before)));
        QVERIFY2(before.textFound.size() == markers.size(), qPrintable(describe(before)));

        // Ten wrong passphrases through the app's own vault, on the injected
        // clock past each lockout (the simulator's clock is the real one).
        KeyVault vault(store, clock);
        UnlockResult u;
        for (int i = 1; i <= KeyVault::kDefaultMaxAttempts; ++i) {
            u = vault.unlock(SecureBuffer::fromPassphrase(kWrong));
            clock.advanceSecs(3600);
        }
        QCOMPARE(u.status, UnlockStatus::Wiped);
        QCOMPARE(sim(base(store, first), {QStringLiteral("verify")}).exitCode, 2);
        QVERIFY2(disk.unmount(&error), qPrintable(error));

        const Examination after = examine(disk.raw(), {kFirst, kWrong}, markers, heldKeys);
        QVERIFY2(after.wipeKeys.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.keysInPlain.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.dataKeys.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.textFound.isEmpty(), qPrintable(describe(after)));
        QVERIFY2(after.plainFound.isEmpty(), qPrintable(describe(after)));
        qInfo("after ten wrong passphrases: %s", qPrintable(describe(after)));
    }
};

QTEST_GUILESS_MAIN(TestRawDiskWipe)
#include "tst_rawdiskwipe.moc"
