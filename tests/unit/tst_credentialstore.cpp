// The Linux credential store: the Secret Service where one answers, else a
// 0600 file; whatever was written is found again on a later launch, and
// removing leaves nothing behind. (CI has no Secret Service, so this runs
// the fallback; a desktop with one runs the keychain path.)
#include "fakecredentialstore.h"
#include "filecredentialstore.h"
#include "keychaincredentialstore.h"
#include "keystore/credentialstore.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>

using namespace safeguard::platform;

class TestCredentialStore : public QObject
{
    Q_OBJECT

private slots:
    void writtenCredentialIsFoundOnTheNextLaunch()
    {
        QTemporaryDir dir;
        const QByteArray secret = QByteArrayLiteral("SYNTHETIC-CREDENTIAL-0123456789");
        {
            auto store = createPlatformCredentialStore(dir.path());
            QVERIFY(!store->backendName().isEmpty());
            const CredentialStoreError e =
                store->write(QStringLiteral("device-credential"), secret);
            QVERIFY2(e.ok(), qPrintable(e.message));
        }
        auto again = createPlatformCredentialStore(dir.path());
        QByteArray read;
        QVERIFY(again->read(QStringLiteral("device-credential"), &read).ok());
        QCOMPARE(read, secret);
        for (const QFileInfo &fi : QDir(dir.path()).entryInfoList(QDir::Files)) {
            // A file copy, where there is one, is private.
            QCOMPARE(fi.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup |
                                         QFile::WriteOther),
                     QFile::Permissions());
        }

        QVERIFY(again->remove(QStringLiteral("device-credential")).ok());
        read.clear();
        // NotFound, or Unavailable where no Secret Service can say for sure.
        QVERIFY(!again->read(QStringLiteral("device-credential"), &read).ok());
        QVERIFY(read.isEmpty());
        QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
    }

    // The file store sits beside outbox.db, where whoever has the device's
    // files can reach it: what it reads must be the file it wrote.
    void theFileStoreRefusesASymlinkALoosenedFileAndWritesThroughNothing()
    {
        QTemporaryDir dir;
        QTemporaryDir elsewhere;
        FileCredentialStore store(dir.path());
        const QString name = QStringLiteral("enrolment-digest");
        const QString path = QDir(dir.path()).filePath(name + QStringLiteral(".secret"));
        QVERIFY(store.write(name, "SYNTHETIC-DIGEST").ok());
        QCOMPARE(QFileInfo(path).permissions() & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());

        // Loosened to be readable by others: refused, not trusted.
        QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0644), 0);
        QByteArray read;
        CredentialStoreError e = store.read(name, &read);
        QCOMPARE(e.kind, CredentialStoreErrorKind::Io);
        QVERIFY2(e.message.contains(QLatin1String("refused")), qPrintable(e.message));
        QVERIFY(read.isEmpty());

        // Replaced by a symlink to a file of the attacker's: refused.
        const QString planted = QDir(elsewhere.path()).filePath(QStringLiteral("planted"));
        QFile p(planted);
        QVERIFY(p.open(QIODevice::WriteOnly));
        p.write("ATTACKER-DIGEST");
        p.close();
        QCOMPARE(::chmod(QFile::encodeName(planted).constData(), 0600), 0);
        QVERIFY(QFile::remove(path));
        QVERIFY(QFile::link(planted, path));
        e = store.read(name, &read);
        QCOMPARE(e.kind, CredentialStoreErrorKind::Io);
        QVERIFY(read.isEmpty());

        // A directory where the file was: refused.
        QVERIFY(QFile::remove(path));
        QVERIFY(QDir().mkdir(path));
        QCOMPARE(store.read(name, &read).kind, CredentialStoreErrorKind::Io);
        QVERIFY(QDir().rmdir(path));

        // A symlink planted where the temporary file goes: written through
        // never; the secret lands in the store's own file.
        QVERIFY(QFile::link(planted, path + QStringLiteral(".tmp")));
        QVERIFY(store.write(name, "SYNTHETIC-DIGEST-2").ok());
        QVERIFY(p.open(QIODevice::ReadOnly));
        QCOMPARE(p.readAll(), QByteArray("ATTACKER-DIGEST"));
        QVERIFY(store.read(name, &read).ok());
        QCOMPARE(read, QByteArray("SYNTHETIC-DIGEST-2"));
        QVERIFY(!QFileInfo(path).isSymLink());
    }

    // Once the Secret Service has held the secrets, a file beside outbox.db
    // is never read or written in its place: "not answering" means retry.
    void onceTheSecretServiceHeldTheSecretsFilesAreNeverUsed()
    {
        QTemporaryDir dir;
        const QString name = QStringLiteral("enrolment-digest");
        auto *primary = new FakeCredentialStore;
        auto *file = new FileCredentialStore(dir.path());
        const QString marker = QDir(dir.path()).filePath(LayeredCredentialStore::markerFileName());
        LayeredCredentialStore store{std::unique_ptr<CredentialStore>(primary),
                                     std::unique_ptr<FileCredentialStore>(file), marker};

        // Before it ever answered, the file stands in (a desktop with none).
        primary->failWith({CredentialStoreErrorKind::Unavailable, QStringLiteral("down")});
        QVERIFY(store.write(name, "FROM-FILE").ok());
        QByteArray read;
        QVERIFY(store.read(name, &read).ok());
        QCOMPARE(read, QByteArray("FROM-FILE"));
        QVERIFY(!QFileInfo::exists(marker));

        // It answers: the secret moves there, the file copy goes.
        primary->failWith({});
        QVERIFY(store.write(name, "SYNTHETIC-DIGEST").ok());
        QVERIFY(QFileInfo::exists(marker));
        QVERIFY(!QFileInfo::exists(QDir(dir.path()).filePath(name + QStringLiteral(".secret"))));

        // Someone plants a file, and the Secret Service is down or says
        // it holds nothing: the planted file is not read.
        QVERIFY(file->write(name, "PLANTED").ok());
        primary->failWith({CredentialStoreErrorKind::Unavailable, QStringLiteral("down")});
        read.clear();
        QCOMPARE(store.read(name, &read).kind, CredentialStoreErrorKind::Unavailable);
        QVERIFY(read.isEmpty());
        QCOMPARE(store.write(name, "NEW").kind, CredentialStoreErrorKind::Unavailable);
        QVERIFY(file->read(name, &read).ok());
        QCOMPARE(read, QByteArray("PLANTED")); // the write did not fall back either
        primary->failWith({});
        QVERIFY(primary->remove(name).ok());
        read.clear();
        QCOMPARE(store.read(name, &read).kind, CredentialStoreErrorKind::NotFound);
        QVERIFY(read.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
