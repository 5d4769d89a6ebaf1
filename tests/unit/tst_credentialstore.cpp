// The Linux credential store: the Secret Service where one answers, else a
// 0600 file; whatever was written is found again on a later launch, and
// removing leaves nothing behind. (CI has no Secret Service, so this runs
// the fallback; a desktop with one runs the keychain path.)
#include "keystore/credentialstore.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

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
};

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
