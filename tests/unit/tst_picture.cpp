// The hub's picture end to end on the embedded stores: versions committed
// at ingest are taken from the queue, each person resolved across reports
// (linked, proposed, or kept apart), a newer version replaces the older,
// an unborn child follows the baby, and the picture's file holds no name,
// date of birth or postcode in the clear.
#include "hub/hubstore.h"
#include "picture/concern.h"
#include "picture/picturestore.h"
#include "recordfixtures.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace safeguard;
using namespace safeguard::hub;
using namespace safeguard::hub::picture;

namespace {

const char kOfficerA[] = "SYN-OFFICER-0001";
const char kOfficerB[] = "SYN-OFFICER-0002";

} // namespace

class TestPicture : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HubStore> m_hub;
    std::optional<PictureKeys> m_keys;
    std::unique_ptr<PictureStore> m_picture;
    int m_batch = 0;

    QString picturePath() const { return m_dir->filePath(QStringLiteral("picture.db")); }

    // A form-2 record about one child at an address, occurring `day` days
    // after the fixture's incident.
    v1::IncidentRecord record(const char *recordId, int day, const char *given = "Alpha",
                              const char *family = "Testfamily-SYNTHETIC")
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        r.set_record_id(recordId);
        r.mutable_incident()->mutable_occurred_at()->set_unix_ms(
            r.incident().occurred_at().unix_ms() + qint64(day) * 86400000);
        r.mutable_incident()->mutable_address()->set_postcode("ZZ1 4AB");
        v1::ChildIdentity *id = r.mutable_children(0)->mutable_identity();
        id->set_given_names(given);
        id->set_family_name(family);
        return r;
    }

    void ingest(const char *officer, const QList<v1::IncidentRecord> &records, qint64 atMs = 1000,
                bool revoked = false)
    {
        BatchWrite write;
        write.sentByRevokedDevice = revoked;
        write.batchId = QStringLiteral("b-%1").arg(++m_batch);
        write.deviceId = QStringLiteral("d-%1").arg(QLatin1String(officer));
        write.officerId = QString::fromLatin1(officer);
        write.receivedAtMs = atMs;
        for (const v1::IncidentRecord &r : records) {
            IngestItem item;
            item.recordId = QString::fromStdString(r.record_id());
            item.version = r.version();
            item.parentVersion = r.parent_version();
            item.plaintext = QByteArray::fromStdString(r.SerializeAsString());
            item.sha256 = QCryptographicHash::hash(item.plaintext, QCryptographicHash::Sha256);
            item.keep = true;
            if (revoked) // as BatchIngestor flags it
                item.flags.append({QString(), QStringLiteral("sent_by_revoked_device"),
                                   QStringLiteral("sent by a revoked device")});
            write.items.push_back(item);
        }
        std::vector<StoredResult> results;
        QVERIFY(m_hub->commitBatch(write, results).ok());
    }

    int process()
    {
        QString error;
        const int n = runPictureWork(*m_hub, *m_picture, QStringLiteral("test"), 5000, 100, &error);
        if (n < 0)
            qWarning("%s", qPrintable(error));
        return n;
    }

    QString childKey(const char *officer, const char *recordId)
    {
        return m_picture->personKeyOf(QString::fromLatin1(officer), QString::fromLatin1(recordId),
                                      QStringLiteral("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5e"));
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        HubStoreError e;
        m_hub = HubStore::open(
            QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("hub.db")), &e);
        QVERIFY2(m_hub, qPrintable(e.message));
        QString error;
        m_keys = PictureKeys::openOrCreate(m_dir->filePath(QStringLiteral("picture.key")), &error);
        QVERIFY2(m_keys, qPrintable(error));
        m_picture = PictureStore::openSqlite(picturePath(), *m_keys, &error);
        QVERIFY2(m_picture, qPrintable(error));
    }
    void cleanup()
    {
        m_picture.reset();
        m_hub.reset();
        m_dir.reset();
    }

    void oneChildAcrossTwoOfficersReports()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000b", 40, "ALPHA",
                                  "Testfamily SYNTHETIC")});
        QCOMPARE(process(), 2);
        QCOMPARE(m_hub->stats()->pictureQueued, 0);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        QVERIFY(!a.isEmpty());
        QCOMPARE(childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b"), a);
        const QList<Appearance> history = m_picture->chronology(a);
        QCOMPARE(history.size(), 2);
        QCOMPARE(history[0].owner, QString::fromLatin1(kOfficerA)); // in time order
        QCOMPARE(history[1].report.occurredUtc.toMSecsSinceEpoch() -
                     history[0].report.occurredUtc.toMSecsSinceEpoch(),
                 qint64(40) * 86400000);
        QCOMPARE(history[0].facts.givenNames, QStringLiteral("Alpha"));
        // The suspect (a date of birth in both) is one adult; the victim,
        // known only by an estimated age, is proposed, never linked.
        const PictureCounts c = m_picture->counts();
        QCOMPARE(c.children, 1);
        QCOMPARE(c.adults, 3);
        QCOMPARE(c.proposals, 1);
        QCOMPARE(c.rulesTriggered, 1); // the child: two amber reports
        QCOMPARE(m_picture->openProposals()[0].heldBack,
                 QStringLiteral("no date of birth in both reports"));
        // And the rules read the chronology: two reports, both amber.
        QList<Report> reports;
        for (const Appearance &x : history)
            reports << x.report;
        const auto fired = ConcernRules::builtIn().evaluateChild(reports, {});
        bool graded = false;
        for (const TriggeredRule &t : fired)
            graded =
                graded || (t.rule == QLatin1String("grade_or_frequency") && t.evidence.size() == 2);
        QVERIFY(graded);
    }

    void aNearMissIsProposedNotLinked()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000b", 10, "Alfa")});
        QCOMPARE(process(), 2);
        QVERIFY(childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a") !=
                childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b"));
        const QList<MatchProposal> proposals = m_picture->openProposals();
        bool childProposal = false;
        for (const MatchProposal &p : proposals)
            childProposal =
                childProposal ||
                (p.personB == childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b") &&
                 p.reasons.contains(QStringLiteral("similar name")));
        QVERIFY(childProposal);
        QCOMPARE(m_picture->counts().children, 2);
    }

    void twinsInOneReportStayTwo()
    {
        v1::IncidentRecord r = record("00000000-0000-4000-8000-00000000000a", 0);
        v1::ChildObservation *twin = r.add_children();
        *twin = r.children(0);
        twin->set_child_id("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5f");
        twin->mutable_identity()->set_given_names("Beta");
        ingest(kOfficerA, {r});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000b", 30)});
        QCOMPARE(process(), 2);
        QCOMPARE(m_picture->counts().children, 2); // Alpha (twice) and Beta
    }

    void aNewerVersionReplacesTheOlder()
    {
        v1::IncidentRecord v1r = record("00000000-0000-4000-8000-00000000000a", 0, "Alfa");
        ingest(kOfficerA, {v1r});
        QCOMPARE(process(), 1);
        v1::IncidentRecord v2r = v1r;
        v2r.set_version(2);
        v2r.set_parent_version(1);
        v2r.set_amendment_reason("SYNTHETIC: name corrected");
        v2r.mutable_children(0)->mutable_identity()->set_given_names("Alpha");
        ingest(kOfficerA, {v2r}, 2000);
        QCOMPARE(process(), 1);
        const QString key = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QList<Appearance> history = m_picture->chronology(key);
        QCOMPARE(history.size(), 1);
        QCOMPARE(history[0].version, 2u);
        QCOMPARE(history[0].facts.givenNames, QStringLiteral("Alpha"));
        // Applying an older version again (a lapsed lease) changes nothing.
        PictureWork old;
        old.officerId = QString::fromLatin1(kOfficerA);
        old.recordId = QString::fromStdString(v1r.record_id());
        old.version = 1;
        QString error;
        QVERIFY(m_picture->apply(old, v1r, &error));
        QCOMPARE(m_picture->chronology(key).size(), 1);
        QCOMPARE(m_picture->chronology(key)[0].version, 2u);
    }

    // An amendment keeps a person who they were only while they are still
    // recognisably them: a child's id reused for an adult, or the child
    // replaced by another, is matched afresh; a corrected spelling is not.
    void anAmendmentKeepsOnlyWhoIsStillRecognisable()
    {
        const char id[] = "00000000-0000-4000-8000-00000000000a";
        ingest(kOfficerA, {record(id, 0), record("00000000-0000-4000-8000-00000000000b", 20)});
        QCOMPARE(process(), 2);
        const QString alpha = childKey(kOfficerA, id);
        QCOMPARE(childKey(kOfficerA, "00000000-0000-4000-8000-00000000000b"), alpha);

        // v2: the child's id now names the victim (an adult), and the
        // child is a different one under a new id.
        v1::IncidentRecord v2 = record(id, 0, "Omega", "Unrelated-SYNTHETIC");
        v2.set_version(2);
        v2.set_parent_version(1);
        const std::string childId = v2.children(0).child_id();
        v2.mutable_children(0)->set_child_id("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d60");
        for (v1::Person &p : *v2.mutable_people())
            if (p.person_id() == testing::kVictimId)
                p.set_person_id(childId);
        for (std::string &v : *v2.mutable_victim_ids())
            if (v == testing::kVictimId)
                v = childId;
        ingest(kOfficerA, {v2}, 3000);
        QCOMPARE(process(), 1);
        const QString reused =
            m_picture->personKeyOf(QString::fromLatin1(kOfficerA), QString::fromLatin1(id),
                                   QString::fromStdString(childId));
        QVERIFY(!reused.isEmpty());
        QVERIFY(reused != alpha); // the adult is not the child
        for (const Appearance &a : m_picture->chronology(alpha))
            QVERIFY(a.child);
        QCOMPARE(m_picture->chronology(alpha).size(), 1); // record b only now
        const QString omega =
            m_picture->personKeyOf(QString::fromLatin1(kOfficerA), QString::fromLatin1(id),
                                   QStringLiteral("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d60"));
        QVERIFY(omega != alpha);
    }

    void anUnbornChildFollowsTheBaby()
    {
        v1::IncidentRecord before = record("00000000-0000-4000-8000-00000000000a", 0);
        before.mutable_people(0)->set_force_identifier("SYN-PNC-000001"); // the victim
        v1::ChildObservation *unborn = before.add_children();
        unborn->set_child_id("9a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5e");
        unborn->mutable_identity()->set_unborn(true);
        unborn->mutable_identity()->set_family_name("Testfamily-SYNTHETIC");
        unborn->mutable_identity()->mutable_expected_due_date()->set_year(2026);
        unborn->mutable_identity()->mutable_expected_due_date()->set_month(5);
        unborn->mutable_identity()->mutable_expected_due_date()->set_day(1);
        unborn->mutable_identity()->set_pregnant_person_id(testing::kVictimId);
        unborn->set_grade(v1::GRADE_AMBER);

        v1::IncidentRecord after =
            record("00000000-0000-4000-8000-00000000000b", 90, "Gamma", "Newborn-SYNTHETIC");
        after.mutable_people(0)->set_force_identifier("SYN-PNC-000001");
        v1::ChildIdentity *baby = after.mutable_children(0)->mutable_identity();
        baby->mutable_date_of_birth()->set_year(2026);
        baby->mutable_date_of_birth()->set_month(4);
        baby->mutable_date_of_birth()->set_day(24);
        baby->mutable_education()->Clear();
        ingest(kOfficerA, {before});
        ingest(kOfficerB, {after});
        QCOMPARE(process(), 2);
        const QString unbornKey = m_picture->personKeyOf(
            QString::fromLatin1(kOfficerA), QString::fromStdString(before.record_id()),
            QStringLiteral("9a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5e"));
        QVERIFY(!unbornKey.isEmpty());
        QCOMPARE(childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b"), unbornKey);
        QCOMPARE(m_picture->chronology(unbornKey).size(), 2);
        QVERIFY(m_picture->chronology(unbornKey)[0].report.unborn);
    }

    // Two families' children at one address, and one suspect in both
    // reports: each child's concerns name the other family's report too,
    // the first child's re-evaluated when the second report arrives.
    void aRepeatAddressAndSuspectAcrossFamilies()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        QCOMPARE(process(), 1);
        const QString first = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        auto has = [&](const QString &key, const char *rule) -> std::optional<TriggeredRule> {
            for (const TriggeredRule &t : m_picture->concerns(key))
                if (t.rule == QLatin1String(rule))
                    return t;
            return std::nullopt;
        };
        QVERIFY(!has(first, "repeat_address"));
        v1::IncidentRecord other =
            record("00000000-0000-4000-8000-00000000000b", 200, "Delta", "Unrelated-SYNTHETIC");
        other.mutable_children(0)->set_child_id("8a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5e");
        other.mutable_children(0)->mutable_identity()->mutable_date_of_birth()->set_year(2015);
        ingest(kOfficerB, {other});
        QCOMPARE(process(), 1);
        const QString second = m_picture->personKeyOf(
            QString::fromLatin1(kOfficerB), QString::fromStdString(other.record_id()),
            QStringLiteral("8a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5e"));
        QVERIFY(second != first);
        const QStringList both{QStringLiteral("00000000-0000-4000-8000-00000000000a v1"),
                               QStringLiteral("00000000-0000-4000-8000-00000000000b v1")};
        for (const QString &child : {first, second}) {
            const auto address = has(child, "repeat_address");
            QVERIFY(address);
            QCOMPARE(address->evidence, both);
            QCOMPARE(address->rulesVersion, ConcernRules::builtIn().version());
            const auto suspect = has(child, "repeat_suspect"); // the same suspect, by DOB
            QVERIFY(suspect);
            QCOMPARE(suspect->evidence, both);
        }
    }

    // Each child in Operation Encompass scope has a notice due before the
    // start of the next school day at their setting, saying what the
    // guidance lists; a newer version replaces the older's notice.
    void encompassNoticesAreDueBeforeTheNextSchoolDay()
    {
        v1::IncidentRecord r = record("00000000-0000-4000-8000-00000000000a", 0);
        r.mutable_children(0)->mutable_identity()->mutable_education()->set_urn("100001");
        ingest(kOfficerA, {r});
        QCOMPARE(process(), 1);
        QList<NoticeDue> due = m_picture->noticesDue();
        QCOMPARE(due.size(), 1);
        QCOMPARE(due[0].personKey, childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a"));
        // Tuesday 10 March 2026, 21:30: Wednesday at the school's 08:40.
        QCOMPARE(due[0].dueUtc, QDateTime(QDate(2026, 3, 11), QTime(8, 40), Qt::UTC));
        QCOMPARE(due[0].detail.value(QStringLiteral("recipient_name")).toString(),
                 QStringLiteral("Example Primary School SYNTHETIC"));
        QVERIFY(due[0]
                    .detail.value(QStringLiteral("notice_text"))
                    .toString()
                    .contains(QStringLiteral("Child: Alpha Testfamily-SYNTHETIC")));
        // Amended: still one notice, the new version's.
        v1::IncidentRecord v2 = r;
        v2.set_version(2);
        v2.set_parent_version(1);
        v2.set_amendment_reason("SYNTHETIC: school corrected");
        v2.mutable_children(0)->mutable_identity()->mutable_education()->set_urn("100004");
        ingest(kOfficerA, {v2}, 2000);
        QCOMPARE(process(), 1);
        due = m_picture->noticesDue();
        QCOMPARE(due.size(), 1);
        QCOMPARE(due[0].version, 2u);
        QCOMPARE(due[0].detail.value(QStringLiteral("language")).toString(),
                 QStringLiteral("welsh"));
    }

    // The adult victim of three domestic abuse incidents within a year
    // (one person by force identifier and name): potential escalation.
    void aVictimsEscalationIsSeenAcrossReports()
    {
        QList<v1::IncidentRecord> records;
        const char *ids[] = {"00000000-0000-4000-8000-00000000000a",
                             "00000000-0000-4000-8000-00000000000b",
                             "00000000-0000-4000-8000-00000000000c"};
        for (int i = 0; i < 3; ++i) {
            v1::IncidentRecord r = record(ids[i], i * 100);
            r.mutable_people(0)->set_force_identifier("SYN-PNC-000001");
            records << r;
        }
        ingest(kOfficerA, {records[0], records[1]});
        QCOMPARE(process(), 2);
        const QString victim =
            m_picture->personKeyOf(QString::fromLatin1(kOfficerA), QString::fromLatin1(ids[0]),
                                   QString::fromLatin1(testing::kVictimId));
        QVERIFY(!victim.isEmpty());
        QVERIFY(m_picture->concerns(victim).isEmpty()); // two: not yet
        ingest(kOfficerB, {records[2]});
        QCOMPARE(process(), 1);
        QCOMPARE(m_picture->personKeyOf(QString::fromLatin1(kOfficerB), QString::fromLatin1(ids[2]),
                                        QString::fromLatin1(testing::kVictimId)),
                 victim);
        const QList<TriggeredRule> concerns = m_picture->concerns(victim);
        QCOMPARE(concerns.size(), 1);
        QCOMPARE(concerns[0].rule, QStringLiteral("victim_escalation"));
        QCOMPARE(concerns[0].evidence.size(), 3);
    }

    // What staff see of one person, to compare before and after.
    QStringList snapshot(const QString &key)
    {
        QStringList out;
        for (const Appearance &a : m_picture->chronology(key))
            out << QStringLiteral("%1/%2 v%3 %4")
                       .arg(a.owner, a.recordId)
                       .arg(a.version)
                       .arg(a.facts.fullName());
        for (const TriggeredRule &t : m_picture->concerns(key))
            out << t.rule + QLatin1Char(':') + t.evidence.join(QLatin1Char(','));
        return out;
    }

    void aConfirmedProposalMergesAndAnUnmergeRestoresBoth()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000b", 10, "Alfa")});
        QCOMPARE(process(), 2);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QString b = childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b");
        const QStringList beforeA = snapshot(a), beforeB = snapshot(b);
        qint64 proposal = 0;
        for (const MatchProposal &p : m_picture->openProposals())
            if (p.personA == a && p.personB == b)
                proposal = p.id;
        QVERIFY(proposal > 0);
        const int proposalsBefore = int(m_picture->counts().proposals);

        // Nobody decides without a name and a reason.
        QCOMPARE(m_picture->confirmProposal(proposal, {QString(), QStringLiteral("x"), 1}).code,
                 StaffResult::Code::Invalid);
        const StaffResult merged =
            m_picture->confirmProposal(proposal, {QStringLiteral("SYN-STAFF-1"),
                                                  QStringLiteral("same school, checked"), 2000});
        QVERIFY2(merged.ok(), qPrintable(merged.message));
        QCOMPARE(childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b"), a);
        QCOMPARE(m_picture->chronology(a).size(), 2);
        QVERIFY(m_picture->chronology(b).isEmpty());
        QCOMPARE(m_picture->counts().children, 1);
        QCOMPARE(int(m_picture->counts().proposals), proposalsBefore - 1);
        // The merged history is evaluated as one: two amber reports.
        QVERIFY(m_picture->concerns(a).size() >= beforeA.size() - 1);
        QCOMPARE(m_picture
                     ->confirmProposal(
                         proposal, {QStringLiteral("SYN-STAFF-1"), QStringLiteral("again"), 2100})
                     .code,
                 StaffResult::Code::Conflict);

        const StaffResult undone =
            m_picture->unmerge(merged.id, {QStringLiteral("SYN-STAFF-2"),
                                           QStringLiteral("different birthdays"), 3000});
        QVERIFY2(undone.ok(), qPrintable(undone.message));
        QCOMPARE(snapshot(a), beforeA);
        QCOMPARE(snapshot(b), beforeB);
        QCOMPARE(int(m_picture->counts().proposals), proposalsBefore); // open again
        QCOMPARE(
            m_picture
                ->unmerge(merged.id, {QStringLiteral("SYN-STAFF-2"), QStringLiteral("twice"), 3100})
                .code,
            StaffResult::Code::Conflict);

        // The trail: who, when, why, newest first.
        const QList<AuditEntry> trail = m_picture->audit(10);
        QCOMPARE(trail.size(), 2);
        QCOMPARE(trail[0].action, QStringLiteral("unmerge"));
        QCOMPARE(trail[0].actor, QStringLiteral("SYN-STAFF-2"));
        QCOMPARE(trail[0].detail.value(QLatin1String("reason")).toString(),
                 QStringLiteral("different birthdays"));
        QCOMPARE(trail[1].action, QStringLiteral("merge"));
        QCOMPARE(trail[1].at.toMSecsSinceEpoch(), qint64(2000));
        QCOMPARE(trail[1].detail.value(QLatin1String("proposal_id")).toInteger(), proposal);
        const QList<MergeEntry> history = m_picture->merges(b);
        QCOMPARE(history.size(), 1);
        QCOMPARE(history[0].reason, QStringLiteral("same school, checked"));
        QCOMPARE(history[0].undoneBy, QStringLiteral("SYN-STAFF-2"));
    }

    void anUnmergeUndoesOnlyItsOwnMerge()
    {
        // Three spellings, merged one after another; undoing the first
        // leaves the second in force, and a later report stays with whom
        // it matched.
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000b", 10, "Alfa")});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000c", 20, "Alpho")});
        QCOMPARE(process(), 3);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QString b = childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b");
        const QString c = childKey(kOfficerB, "00000000-0000-4000-8000-00000000000c");
        QCOMPARE(QSet<QString>({a, b, c}).size(), 3);
        const QStringList beforeA = snapshot(a), beforeB = snapshot(b), beforeC = snapshot(c);
        const StaffAction who{QStringLiteral("SYN-STAFF-1"), QStringLiteral("checked"), 5000};
        const StaffResult first = m_picture->merge(b, c, who);
        QVERIFY2(first.ok(), qPrintable(first.message));
        const StaffResult second = m_picture->merge(a, b, who);
        QVERIFY2(second.ok(), qPrintable(second.message));
        QCOMPARE(m_picture->chronology(a).size(), 3);
        QVERIFY(m_picture->unmerge(first.id, who).ok());
        QCOMPARE(m_picture->chronology(a).size(), 2); // a and b still one
        QCOMPARE(snapshot(c), beforeC);
        QVERIFY(m_picture->unmerge(second.id, who).ok());
        QCOMPARE(snapshot(a), beforeA);
        QCOMPARE(snapshot(b), beforeB);
    }

    void aMergeThatCannotBeRightIsRefused()
    {
        v1::IncidentRecord r = record("00000000-0000-4000-8000-00000000000a", 0);
        v1::ChildObservation *twin = r.add_children();
        *twin = r.children(0);
        twin->set_child_id("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5f");
        twin->mutable_identity()->set_given_names("Beta");
        ingest(kOfficerA, {r});
        QCOMPARE(process(), 1);
        const QString alpha = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QString beta = m_picture->personKeyOf(
            QString::fromLatin1(kOfficerA), QStringLiteral("00000000-0000-4000-8000-00000000000a"),
            QStringLiteral("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5f"));
        const QString adult = m_picture->personKeys(PictureStore::Kind::Adult).value(0);
        const StaffAction who{QStringLiteral("SYN-STAFF-1"), QStringLiteral("a mistake"), 5000};
        QCOMPARE(m_picture->merge(alpha, beta, who).code, StaffResult::Code::Conflict);
        QCOMPARE(m_picture->merge(alpha, adult, who).code, StaffResult::Code::Conflict);
        QCOMPARE(m_picture->merge(alpha, alpha, who).code, StaffResult::Code::Invalid);
        QCOMPARE(
            m_picture->merge(alpha, QStringLiteral("00000000-0000-4000-8000-000000000000"), who)
                .code,
            StaffResult::Code::NotFound);
        QCOMPARE(m_picture->counts().children, 2);
        QVERIFY(m_picture->audit(10).isEmpty()); // refusals change nothing
    }

    void aRejectedProposalIsNotMadeAgain()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        v1::IncidentRecord other = record("00000000-0000-4000-8000-00000000000b", 10, "Alfa");
        ingest(kOfficerB, {other});
        QCOMPARE(process(), 2);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QString b = childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b");
        auto childProposals = [&] {
            int n = 0;
            for (const MatchProposal &p : m_picture->openProposals())
                n += (p.personA == a && p.personB == b) || (p.personA == b && p.personB == a);
            return n;
        };
        QCOMPARE(childProposals(), 1);
        qint64 id = 0;
        for (const MatchProposal &p : m_picture->openProposals())
            if (p.personB == b)
                id = p.id;
        QVERIFY(m_picture
                    ->rejectProposal(id, {QStringLiteral("SYN-STAFF-1"),
                                          QStringLiteral("cousins, not one child"), 6000})
                    .ok());
        QCOMPARE(childProposals(), 0);
        // A new version of the record matches again, and stays apart.
        other.set_version(2);
        other.set_parent_version(1);
        ingest(kOfficerB, {other}, 7000);
        QCOMPARE(process(), 1);
        QCOMPARE(childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b"), b);
        QCOMPARE(childProposals(), 0);
        QCOMPARE(m_picture->audit(1).value(0).action, QStringLiteral("reject"));
    }

    void changedRulesReevaluateEveryHistory()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0),
                           record("00000000-0000-4000-8000-00000000000b", 10)});
        QCOMPARE(process(), 2);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        auto rules = [&] {
            QStringList out;
            for (const TriggeredRule &t : m_picture->concerns(a))
                out << t.rule + QLatin1Char('@') + t.rulesVersion;
            return out;
        };
        QVERIFY(rules().contains(QStringLiteral("grade_or_frequency@default-2026-12")));
        QCOMPARE(m_picture->reevaluatedOnOpen(), 0);

        // The force turns amber off: only red, or three reports.
        QString error;
        const auto force = ConcernRules::fromJson(
            R"({"format": 1, "version": "force-2027-01", "rules": {
                 "grade_or_frequency": {"grades": ["red"], "reports": 3, "within_days": 90},
                 "not_seen_or_not_spoken_to": {}}})",
            &error);
        QVERIFY2(force, qPrintable(error));
        m_picture.reset();
        m_picture = PictureStore::openSqlite(picturePath(), *m_keys, &error, false, &*force);
        QVERIFY2(m_picture, qPrintable(error));
        QVERIFY(m_picture->reevaluatedOnOpen() >= 1);
        QCOMPARE(m_picture->rulesVersion(), QStringLiteral("force-2027-01"));
        for (const QString &r : rules())
            QVERIFY2(r.endsWith(QLatin1String("@force-2027-01")), qPrintable(r));
        QVERIFY(!rules().join(QLatin1Char(' ')).contains(QLatin1String("grade_or_frequency")));
        // The same rules again: nothing to do.
        m_picture.reset();
        m_picture = PictureStore::openSqlite(picturePath(), *m_keys, &error, false, &*force);
        QCOMPARE(m_picture->reevaluatedOnOpen(), 0);
        // Back to the defaults: amber counts again.
        m_picture.reset();
        m_picture = PictureStore::openSqlite(picturePath(), *m_keys, &error);
        QVERIFY(m_picture->reevaluatedOnOpen() >= 1);
        QVERIFY(rules().contains(QStringLiteral("grade_or_frequency@default-2026-12")));
    }

    void theChronologyCarriesWhatStaffReadAndTheLinks()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        QCOMPARE(process(), 1);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QList<Appearance> h = m_picture->chronology(a);
        QCOMPARE(h.size(), 1);
        QCOMPARE(h[0].report.childWords, QStringLiteral("SYNTHETIC: \"I heard shouting.\""));
        QCOMPARE(h[0].report.demeanour, QStringLiteral("SYNTHETIC: quiet and watchful"));
        QCOMPARE(h[0].report.gradeRationale,
                 QStringLiteral("SYNTHETIC: second incident this year"));
        QVERIFY(!h[0].report.aceProvenance.isEmpty());
        QCOMPARE(h[0].report.aceProvenance.cbegin().value(), int(v1::PROVENANCE_OBSERVED));
        QCOMPARE(h[0].report.suspectKeys.size(), 1);
        // The adults around the child, each with their role.
        const QList<Link> links = m_picture->links(a);
        QCOMPARE(links.size(), 2);
        QStringList roles;
        for (const Link &l : links) {
            QVERIFY(!l.child);
            QVERIFY(!l.name.isEmpty());
            roles += l.roles;
        }
        QVERIFY(roles.contains(QStringLiteral("suspect")));
        QVERIFY(roles.contains(QStringLiteral("victim")));
        const QString suspect = h[0].report.suspectKeys[0];
        bool back = false;
        for (const Link &l : m_picture->links(suspect))
            back = back || (l.personKey == a && l.child);
        QVERIFY(back);
    }

    // A flood of reports sharing one index value (here, one address) does
    // not push a child's own earlier report out of the candidates: each
    // value brings its own most recent few.
    void aFloodAtOneAddressDoesNotHideAChild()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        QCOMPARE(process(), 1);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        for (int batch = 0; batch < 3; ++batch) {
            QList<v1::IncidentRecord> flood;
            for (int i = 0; i < 80; ++i) {
                const int n = batch * 80 + i;
                const QByteArray id = QStringLiteral("00000000-0000-4000-9000-%1")
                                          .arg(n, 12, 10, QLatin1Char('0'))
                                          .toLatin1();
                const QByteArray given = "Flood" + QByteArray::number(n);
                v1::IncidentRecord r =
                    record(id.constData(), 1, given.constData(), "Floodfamily-SYNTHETIC");
                r.mutable_children(0)->set_child_id(
                    QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString());
                r.mutable_children(0)->mutable_identity()->mutable_date_of_birth()->set_year(
                    2000 + n % 20);
                flood << r;
            }
            ingest(kOfficerB, flood, 2000 + batch);
            while (process() > 0) {
            }
        }
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000b", 30)}, 9000);
        QCOMPARE(process(), 1);
        QCOMPARE(childKey(kOfficerA, "00000000-0000-4000-8000-00000000000b"), a);
    }

    // A revoked device's records may come from whoever holds its
    // credential: a strong match is proposed, never linked.
    void aRevokedDevicesRecordIsNeverLinkedAutomatically()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0)});
        ingest(kOfficerB, {record("00000000-0000-4000-8000-00000000000b", 10)}, 2000, true);
        QCOMPARE(process(), 2);
        const QString a = childKey(kOfficerA, "00000000-0000-4000-8000-00000000000a");
        const QString b = childKey(kOfficerB, "00000000-0000-4000-8000-00000000000b");
        QVERIFY(a != b);
        bool proposed = false;
        for (const MatchProposal &p : m_picture->openProposals())
            proposed = proposed || (p.personA == a && p.personB == b &&
                                    p.heldBack.contains(QLatin1String("revoked")));
        QVERIFY(proposed);
        QVERIFY(m_picture->chronology(b).value(0).report.flags.contains(
            QStringLiteral("sent_by_revoked_device")));
    }

    void nothingIdentifyingIsInTheClear()
    {
        ingest(kOfficerA, {record("00000000-0000-4000-8000-00000000000a", 0, "Zebedee",
                                  "Quuxfamily-SYNTHETIC")});
        QCOMPARE(process(), 1);
        m_picture.reset(); // everything on disk
        QByteArray bytes;
        for (const QString &name :
             {QStringLiteral("picture.db"), QStringLiteral("picture.db-wal")}) {
            QFile f(m_dir->filePath(name));
            if (f.open(QIODevice::ReadOnly))
                bytes += f.readAll();
        }
        QVERIFY(bytes.size() > 0);
        for (const char *clear :
             {"Zebedee", "zebedee", "Quuxfamily", "quuxfamily", "2017-01-15", "ZZ1 4AB", "ZZ14AB",
              "Gamma SYNTHETIC", "1988-06-02", "Beta SYNTHETIC"})
            QVERIFY2(!bytes.contains(clear), clear);
    }
};

QTEST_GUILESS_MAIN(TestPicture)
#include "tst_picture.moc"
