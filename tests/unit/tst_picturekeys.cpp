// The picture's keys: sealed values open only with their key and their
// row, blind indexes are keyed, and the master key file is 0600, apart
// from the database, and refused when others can read it.
#include "picture/picturekeys.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>

using namespace safeguard::hub;
using namespace safeguard::hub::picture;

class TestPictureKeys : public QObject
{
    Q_OBJECT

private slots:
    void aKeyFileIsMadeOnceAndPrivate()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("picture.key"));
        QString error;
        auto first = PictureKeys::openOrCreate(path, &error);
        QVERIFY2(first, qPrintable(error));
        QCOMPARE(QFile(path).size(), qint64(PictureKeys::kMasterBytes));
        struct stat st
        {
        };
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        // Opened again: the same keys (what one sealed, the other opens).
        auto again = PictureKeys::openOrCreate(path, &error);
        QVERIFY2(again, qPrintable(error));
        const QByteArray sealed = first->seal("Alpha SYNTHETIC", "person:1");
        QCOMPARE(again->open(sealed, "person:1"), std::optional<QByteArray>("Alpha SYNTHETIC"));
        QCOMPARE(first->blindIndex("name", QStringLiteral("alpha synthetic")),
                 again->blindIndex("name", QStringLiteral("alpha synthetic")));
    }

    void aKeyFileOthersCanReadIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("picture.key"));
        QString error;
        QVERIFY(PictureKeys::openOrCreate(path, &error));
        QVERIFY(
            QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup));
        QVERIFY(!PictureKeys::openOrCreate(path, &error));
        QVERIFY(error.contains(QLatin1String("read by others")));
        QFile f(path);
        QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("short");
        f.close();
        QVERIFY(!PictureKeys::openOrCreate(path, &error));
        QVERIFY(error.contains(QLatin1String("32-byte")));
    }

    void sealedValuesOpenOnlyWithTheirKeyAndRow()
    {
        const PictureKeys a =
            PictureKeys::fromMaster(SecretBytes::copyOf("0123456789abcdef0123456789abcdef", 32));
        const PictureKeys b =
            PictureKeys::fromMaster(SecretBytes::copyOf("fedcba9876543210fedcba9876543210", 32));
        const QByteArray sealed = a.seal("Alpha SYNTHETIC 2017-01-15", "person:7");
        QVERIFY(!sealed.contains("Alpha"));
        QCOMPARE(a.open(sealed, "person:7").value_or(QByteArray()),
                 QByteArray("Alpha SYNTHETIC 2017-01-15"));
        QVERIFY(!a.open(sealed, "person:8")); // moved to another row
        QVERIFY(!b.open(sealed, "person:7")); // another hub's key
        QByteArray tampered = sealed;
        tampered[tampered.size() - 1] = char(tampered.at(tampered.size() - 1) ^ 1);
        QVERIFY(!a.open(tampered, "person:7"));
        QVERIFY(!a.open(sealed.left(10), "person:7")); // truncated
        // A fresh nonce each time: one value never seals the same twice.
        QVERIFY(a.seal("same", "x") != a.seal("same", "x"));
    }

    void blindIndexesAreKeyedAndKindSeparated()
    {
        const PictureKeys a =
            PictureKeys::fromMaster(SecretBytes::copyOf("0123456789abcdef0123456789abcdef", 32));
        const PictureKeys b =
            PictureKeys::fromMaster(SecretBytes::copyOf("fedcba9876543210fedcba9876543210", 32));
        const QByteArray i = a.blindIndex("name", QStringLiteral("alpha synthetic"));
        QCOMPARE(i.size(), qsizetype(PictureKeys::kIndexBytes));
        QCOMPARE(i, a.blindIndex("name", QStringLiteral("alpha synthetic")));
        QVERIFY(i != a.blindIndex("name", QStringLiteral("alpha synthetix")));
        QVERIFY(i != a.blindIndex("alias", QStringLiteral("alpha synthetic")));
        QVERIFY(a.blindIndex("name", QStringLiteral("x")) != a.blindIndex("namex", QString()));
        QVERIFY(i != b.blindIndex("name", QStringLiteral("alpha synthetic")));
    }
};

QTEST_GUILESS_MAIN(TestPictureKeys)
#include "tst_picturekeys.moc"
