// The record schema: every field survives a binary and a JSON round trip,
// JSON keys are snake_case, and values this build does not know survive too.
#include "protocol/recordjson.h"
#include "recordfixtures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>
#include <google/protobuf/util/message_differencer.h>

using namespace safeguard;
using google::protobuf::util::MessageDifferencer;

namespace {

// Counts every field in the message type graph (each message type once per
// path), matching what fillEveryField sets.
int countFields(const google::protobuf::Descriptor *d)
{
    int n = 0;
    for (int i = 0; i < d->field_count(); ++i) {
        const auto *f = d->field(i);
        ++n;
        if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)
            n += countFields(f->message_type()) * (f->is_repeated() ? 2 : 1);
    }
    return n;
}

void collectKeys(const QJsonValue &v, QStringList &keys)
{
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            keys.append(it.key());
            collectKeys(it.value(), keys);
        }
    } else if (v.isArray()) {
        for (const QJsonValue &e : v.toArray())
            collectKeys(e, keys);
    }
}

} // namespace

class TestRecordSchema : public QObject
{
    Q_OBJECT

private slots:
    void everyFieldRoundTripsInBinary()
    {
        v1::IncidentRecord original;
        const int set = testing::fillEveryField(&original);
        QCOMPARE(set, countFields(v1::IncidentRecord::descriptor()));
        QVERIFY(set > 150); // the schema covers every group in DOMAIN.md

        std::string bytes;
        QVERIFY(original.SerializeToString(&bytes));
        v1::IncidentRecord parsed;
        QVERIFY(parsed.ParseFromString(bytes));
        std::string report;
        MessageDifferencer differ;
        differ.ReportDifferencesToString(&report);
        QVERIFY2(differ.Compare(original, parsed), report.c_str());
        // Deterministic serialization: the same record gives the same bytes,
        // which the SHA-256 the device stores depends on.
        std::string again;
        QVERIFY(parsed.SerializeToString(&again));
        QCOMPARE(again, bytes);
    }

    void everyFieldRoundTripsInJsonWithSnakeCaseKeys()
    {
        v1::IncidentRecord original;
        testing::fillEveryField(&original);
        const QByteArray json = protocol::messageToJson(original);
        QVERIFY(!json.isEmpty());

        QStringList keys;
        collectKeys(QJsonDocument::fromJson(json).object(), keys);
        QVERIFY(keys.contains(QStringLiteral("police_reference")));
        QVERIFY(keys.contains(QStringLiteral("spoken_to_alone")));
        static const QRegularExpression snake(QStringLiteral("^[a-z][a-z0-9_]*$"));
        for (const QString &k : keys)
            QVERIFY2(snake.match(k).hasMatch(), qPrintable(k));

        v1::IncidentRecord parsed;
        QString error;
        QVERIFY2(protocol::messageFromJson(json, &parsed, &error), qPrintable(error));
        QVERIFY(MessageDifferencer::Equals(original, parsed));
    }

    void unknownEnumValuesAndFieldsSurvive()
    {
        // A newer app may send an enum value or field this build lacks; the
        // hub must keep the exact bytes, so nothing may be dropped on parse.
        v1::IncidentRecord r;
        r.mutable_incident()->set_type(static_cast<v1::IncidentType>(99));
        std::string bytes;
        QVERIFY(r.SerializeToString(&bytes));
        bytes += std::string("\xf8\x3e\x01", 3); // field 999, varint 1
        v1::IncidentRecord parsed;
        QVERIFY(parsed.ParseFromString(bytes));
        QCOMPARE(int(parsed.incident().type()), 99);
        std::string again;
        QVERIFY(parsed.SerializeToString(&again));
        QCOMPARE(again, bytes);
    }

    void everyEnumStartsWithUnspecified()
    {
        // An unanswered question must never read as an answer.
        const auto *file = v1::IncidentRecord::descriptor()->file();
        QVERIFY(file->enum_type_count() >= 9);
        for (int i = 0; i < file->enum_type_count(); ++i) {
            const auto *e = file->enum_type(i);
            QCOMPARE(e->value(0)->number(), 0);
            QVERIFY2(
                QString::fromStdString(e->value(0)->name()).endsWith(QLatin1String("_UNSPECIFIED")),
                e->name().c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestRecordSchema)
#include "tst_recordschema.moc"
