// The picture's precision on its own demonstration set: `safeguard-hub
// seed-demo` sends the synthetic families through the real ingest path
// (enrolled devices, sealed batches), and the staff API of a hub serving
// that data shows exactly the people planted: no wrong automatic link, no
// proposal beyond the one planted near-miss, twins and siblings apart, the
// unborn child following the baby, a repeat suspect across two families,
// the escalation, the missing notice, and deadlines across a half-term, a
// weekend and the autumn clock change. And picture.db holds none of the
// demo's names in the clear.
#include "hubprocess.h"
#include "picture/demodata.h"
#include "picture/identity.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace safeguard;
using namespace safeguard::testing;

namespace {
const QString kHub = QStringLiteral(SAFEGUARD_HUB_BINARY);
} // namespace

class TestPictureDemo : public QObject
{
    Q_OBJECT

    std::unique_ptr<HubProcess> m_hub;

    QJsonDocument get(const QByteArray &path, int *status = nullptr)
    {
        const HttpReply r =
            RawHttp::exchange(m_hub->staffUrl(), "GET " + path +
                                                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                     "Connection: close\r\n\r\n");
        if (status)
            *status = r.status;
        return QJsonDocument::fromJson(r.body);
    }
    // Everyone of a kind by their normalised latest name.
    QHash<QString, QJsonObject> byName(const QJsonArray &people)
    {
        QHash<QString, QJsonObject> out;
        for (const QJsonValue &p : people) {
            const QString name = hub::picture::names::normalise(
                p.toObject().value(QStringLiteral("name")).toString());
            if (out.contains(name))
                qWarning("two people named %s", qPrintable(name));
            out.insert(name, p.toObject());
        }
        return out;
    }
    QJsonObject child(const QJsonObject &listed)
    {
        return get("/staff/v1/children/" +
                   listed.value(QStringLiteral("person_key")).toString().toLatin1())
            .object();
    }
    static QStringList rules(const QJsonObject &o)
    {
        QStringList out;
        for (const QJsonValue &r : o.value(QStringLiteral("rules")).toArray())
            out << r.toString();
        return out;
    }

private slots:
    void initTestCase()
    {
        m_hub = std::make_unique<HubProcess>(kHub);
        QByteArray out, err;
        QCOMPARE(m_hub->cli(QStringLiteral("seed-demo"), {}, &out, &err), 0);
        const QJsonObject seeded = QJsonDocument::fromJson(out.split('\n').first()).object();
        QCOMPARE(seeded.value(QStringLiteral("event")).toString(), QStringLiteral("demo_seeded"));
        QCOMPARE(seeded.value(QStringLiteral("records")).toInt(), 9);
        // Only an empty hub is seeded: a second run changes nothing.
        QVERIFY(m_hub->cli(QStringLiteral("seed-demo"), {}, &out, &err) != 0);
        QVERIFY(err.contains("already holds records"));
        QVERIFY2(m_hub->start({QStringLiteral("--plain-http"), QStringLiteral("--staff-listen"),
                               QStringLiteral("127.0.0.1:0")}),
                 qPrintable(m_hub->stderrText()));
    }
    void cleanupTestCase() { m_hub.reset(); }

    void theDemoMakesExactlyThePeoplePlanted()
    {
        const hub::picture::DemoExpectation expected = hub::picture::expectedDemoPicture();
        const QJsonObject stats = m_hub->stats();
        QCOMPARE(stats.value(QStringLiteral("children")).toInt(), expected.children);
        QCOMPARE(stats.value(QStringLiteral("adults")).toInt(), expected.adults);
        QCOMPARE(stats.value(QStringLiteral("match_proposals")).toInt(), expected.proposals);

        const auto children = byName(get("/staff/v1/children?limit=1000")
                                         .object()
                                         .value(QStringLiteral("children"))
                                         .toArray());
        const auto adults = byName(get("/staff/v1/adults").array());
        QCOMPARE(children.size(), expected.children); // no two children share a name
        for (const auto &[name, reports] : expected.reportsPerPerson) {
            const QJsonObject p =
                children.contains(name) ? children.value(name) : adults.value(name);
            QVERIFY2(!p.isEmpty(), qPrintable(name));
            QVERIFY2(p.value(QStringLiteral("reports")).toInt() == reports, qPrintable(name));
        }

        // The one proposal is the planted near-miss: Poppy and "Poppie".
        const QJsonArray proposals = get("/staff/v1/proposals").array();
        QCOMPARE(proposals.size(), 1);
        const QSet<QString> pair{
            proposals[0].toObject().value(QStringLiteral("person_a")).toString(),
            proposals[0].toObject().value(QStringLiteral("person_b")).toString()};
        QCOMPARE(pair, (QSet<QString>{children.value(QStringLiteral("poppy ashdown synthetic"))
                                          .value(QStringLiteral("person_key"))
                                          .toString(),
                                      children.value(QStringLiteral("poppie ashdown synthetic"))
                                          .value(QStringLiteral("person_key"))
                                          .toString()}));

        // The unborn child's report follows the baby.
        bool unbornReport = false;
        for (const QJsonValue &r : child(children.value(QStringLiteral("noah dunmore synthetic")))
                                       .value(QStringLiteral("chronology"))
                                       .toArray())
            unbornReport = unbornReport || r.toObject().value(QStringLiteral("unborn")).toBool();
        QVERIFY(unbornReport);
    }

    void theRulesSayWhyAndNameTheirEvidence()
    {
        const auto children = byName(get("/staff/v1/children?limit=1000")
                                         .object()
                                         .value(QStringLiteral("children"))
                                         .toArray());
        const QJsonObject mia = child(children.value(QStringLiteral("mia ellery synthetic")));
        // The Ashdowns' suspect in the Ellery family: evidence from both.
        bool acrossFamilies = false;
        for (const QJsonValue &c : mia.value(QStringLiteral("concerns")).toArray())
            if (c.toObject().value(QStringLiteral("rule")) == QLatin1String("repeat_suspect"))
                acrossFamilies =
                    c.toObject().value(QStringLiteral("evidence")).toArray().size() >= 4;
        QVERIFY(acrossFamilies);
        QVERIFY(rules(children.value(QStringLiteral("leo fenwick synthetic")))
                    .contains(QStringLiteral("no_notice")));
        QVERIFY(!rules(children.value(QStringLiteral("mia ellery synthetic")))
                     .contains(QStringLiteral("no_notice")));
        QVERIFY(rules(children.value(QStringLiteral("alfie ashdown synthetic")))
                    .contains(QStringLiteral("under_five_at_domestic_abuse")));
        QVERIFY(!rules(children.value(QStringLiteral("isla corrie synthetic")))
                     .contains(QStringLiteral("under_five_at_domestic_abuse")));
        const auto adults = byName(get("/staff/v1/adults").array());
        QVERIFY(rules(adults.value(QStringLiteral("rowan ashdown synthetic")))
                    .contains(QStringLiteral("victim_escalation")));
        QVERIFY(!rules(adults.value(QStringLiteral("kerry ellery synthetic")))
                     .contains(QStringLiteral("victim_escalation")));
        // Filters: only red children (Poppy, Alfie, Noah).
        const auto red = byName(get("/staff/v1/children?grade=red")
                                    .object()
                                    .value(QStringLiteral("children"))
                                    .toArray());
        QCOMPARE(QSet<QString>(red.keyBegin(), red.keyEnd()),
                 (QSet<QString>{QStringLiteral("poppy ashdown synthetic"),
                                QStringLiteral("alfie ashdown synthetic"),
                                QStringLiteral("noah dunmore synthetic")}));
    }

    void noticesAreDueBeforeTheNextSchoolDay()
    {
        const auto children = byName(get("/staff/v1/children?limit=1000")
                                         .object()
                                         .value(QStringLiteral("children"))
                                         .toArray());
        auto key = [&](const char *name) {
            return children.value(QLatin1String(name))
                .value(QStringLiteral("person_key"))
                .toString();
        };
        QSet<QString> due;
        for (const QJsonValue &n : get("/staff/v1/encompass/due").array())
            due.insert(n.toObject().value(QStringLiteral("person_key")).toString() +
                       QLatin1Char('@') +
                       n.toObject().value(QStringLiteral("due_at_utc")).toString());
        // Friday 23 October, 20:00: Poppy's school is on half-term until
        // Monday 2 November (08:40, GMT by then); Alfie's nursery opens on
        // Monday 26 October, the day after the clocks went back (07:30 GMT).
        QVERIFY(
            due.contains(key("poppy ashdown synthetic") + QStringLiteral("@2026-11-02T08:40:00Z")));
        QVERIFY(
            due.contains(key("alfie ashdown synthetic") + QStringLiteral("@2026-10-26T07:30:00Z")));
        // Saturday 14 November, 23:50: the twins' academy on Monday.
        QVERIFY(
            due.contains(key("isla corrie synthetic") + QStringLiteral("@2026-11-16T08:45:00Z")));
        QVERIFY(
            due.contains(key("ava corrie synthetic") + QStringLiteral("@2026-11-16T08:45:00Z")));
        // ?due_before keeps only the earlier ones.
        for (const QJsonValue &n :
             get("/staff/v1/encompass/due?due_before=2026-07-01T00:00:00Z").array())
            QVERIFY(n.toObject().value(QStringLiteral("due_at_utc")).toString() <
                    QLatin1String("2026-07-01"));
    }

    void noDemoNameIsInThePictureInTheClear()
    {
        m_hub->stop();
        QByteArray bytes;
        for (const char *file : {"picture.db", "picture.db-wal"}) {
            QFile f(QDir(m_hub->dataDir()).filePath(QLatin1String(file)));
            if (f.open(QIODevice::ReadOnly))
                bytes += f.readAll();
        }
        QVERIFY(bytes.size() > 4096);
        for (const char *clear :
             {"Poppy", "Poppie", "Ashdown", "ashdown", "Brackley", "brackley", "Corrie", "Dunmore",
              "Fenwick", "2019-05-01", "1985-07-09", "ZZ1 4AA", "ZZ14AA", "zz14aa", "Demo Road",
              "SYN-PNC-900001", "drinks", "threats to kill"})
            QVERIFY2(!bytes.contains(clear), clear);
    }
};

QTEST_GUILESS_MAIN(TestPictureDemo)
#include "tst_picturedemo.moc"
