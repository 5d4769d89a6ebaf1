// Limits the app checks at submit and the hub enforces: every text field and
// every repeated field, at, under and over its bound; serialized size; and
// the structural checks the hub files a record by.
#include "protocol/limits.h"
#include "recordfixtures.h"

#include <QTest>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

using namespace safeguard;
using protocol::Limits;
namespace gp = google::protobuf;

namespace {

struct FieldRef
{
    QString path;                             // e.g. "children[0].voice.words_verbatim"
    QList<const gp::FieldDescriptor *> chain; // from the record down to the field
};

// Every string field and every repeated field reachable from the record,
// with a path through element 0 of repeated messages.
void collect(const gp::Descriptor *d, const QString &prefix,
             QList<const gp::FieldDescriptor *> chain, QList<FieldRef> &strings,
             QList<FieldRef> &repeated)
{
    for (int i = 0; i < d->field_count(); ++i) {
        const gp::FieldDescriptor *f = d->field(i);
        QString path = prefix.isEmpty()
                           ? QString::fromStdString(f->name())
                           : prefix + QLatin1Char('.') + QString::fromStdString(f->name());
        auto here = chain;
        here.append(f);
        if (f->is_repeated())
            repeated.append({path, here});
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_STRING)
            strings.append({f->is_repeated() ? path + QStringLiteral("[0]") : path, here});
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE)
            collect(f->message_type(), f->is_repeated() ? path + QStringLiteral("[0]") : path, here,
                    strings, repeated);
    }
}

// The message that holds the last field of the chain (creating element 0 of
// repeated messages on the way).
gp::Message *holder(gp::Message *root, const QList<const gp::FieldDescriptor *> &chain)
{
    gp::Message *m = root;
    for (int i = 0; i + 1 < chain.size(); ++i) {
        const gp::FieldDescriptor *f = chain[i];
        const gp::Reflection *r = m->GetReflection();
        if (f->is_repeated())
            m = r->FieldSize(*m, f) > 0 ? r->MutableRepeatedMessage(m, f, 0) : r->AddMessage(m, f);
        else
            m = r->MutableMessage(m, f);
    }
    return m;
}

void setText(gp::Message *root, const FieldRef &ref, const std::string &value)
{
    gp::Message *m = holder(root, ref.chain);
    const gp::FieldDescriptor *f = ref.chain.last();
    if (f->is_repeated())
        m->GetReflection()->AddString(m, f, value);
    else
        m->GetReflection()->SetString(m, f, value);
}

void addElements(gp::Message *root, const FieldRef &ref, int count)
{
    gp::Message *m = holder(root, ref.chain);
    const gp::FieldDescriptor *f = ref.chain.last();
    const gp::Reflection *r = m->GetReflection();
    for (int i = 0; i < count; ++i) {
        switch (f->cpp_type()) {
        case gp::FieldDescriptor::CPPTYPE_STRING:
            r->AddString(m, f, "x");
            break;
        case gp::FieldDescriptor::CPPTYPE_ENUM:
            r->AddEnumValue(m, f, 1);
            break;
        case gp::FieldDescriptor::CPPTYPE_MESSAGE:
            r->AddMessage(m, f);
            break;
        default:
            QFAIL("a repeated field of a type this test does not handle");
        }
    }
}

// "é" is two bytes but one character: limits count characters.
std::string chars(int n)
{
    std::string s;
    for (int i = 0; i < n; ++i)
        s += (i % 2) ? "a" : "\xc3\xa9";
    return s;
}

bool hasIssueAt(const protocol::RecordIssues &issues, const QString &path, const QString &code)
{
    for (const auto &i : issues) {
        if (i.path == path && i.code == code)
            return true;
    }
    return false;
}

} // namespace

class TestLimits : public QObject
{
    Q_OBJECT

    QList<FieldRef> m_strings;
    QList<FieldRef> m_repeated;

private slots:
    void initTestCase()
    {
        collect(v1::IncidentRecord::descriptor(), QString(), {}, m_strings, m_repeated);
        QVERIFY(m_strings.size() > 50);
        QVERIFY(m_repeated.size() >= 9);
    }

    void everyTextFieldAtUnderAndOverItsBound()
    {
        for (const FieldRef &ref : m_strings) {
            const int max = Limits::maxChars(ref.chain.last());
            QVERIFY(max >= Limits::kShortTextChars);
            for (int n : {max - 1, max, max + 1}) {
                v1::IncidentRecord r;
                setText(&r, ref, chars(n));
                const auto issues = protocol::checkLimits(r);
                const bool flagged = hasIssueAt(issues, ref.path, QStringLiteral("text_too_long"));
                QVERIFY2(
                    flagged == (n > max),
                    qPrintable(
                        QStringLiteral("%1 at %2 chars (limit %3)").arg(ref.path).arg(n).arg(max)));
                QCOMPARE(issues.size(), n > max ? 1 : 0);
            }
        }
    }

    void textBoundsByKind()
    {
        auto bound = [](const gp::Descriptor *d, const char *field) {
            return Limits::maxChars(d->FindFieldByName(field));
        };
        QCOMPARE(bound(v1::ChildVoice::descriptor(), "words_verbatim"), Limits::kChildWordsChars);
        QCOMPARE(bound(v1::ChildObservation::descriptor(), "demeanour"), Limits::kLongTextChars);
        QCOMPARE(bound(v1::ChildObservation::descriptor(), "grade_rationale"),
                 Limits::kReasonTextChars);
        QCOMPARE(bound(v1::Incident::descriptor(), "police_reference"), Limits::kShortTextChars);
    }

    void everyRepeatedFieldAtUnderAndOverItsBound()
    {
        for (const FieldRef &ref : m_repeated) {
            const int max = Limits::maxCount(ref.chain.last());
            for (int n : {max - 1, max, max + 1}) {
                v1::IncidentRecord r;
                addElements(&r, ref, n);
                const bool flagged =
                    hasIssueAt(protocol::checkLimits(r), ref.path, QStringLiteral("too_many"));
                QVERIFY2(flagged == (n > max),
                         qPrintable(QStringLiteral("%1 with %2 entries (limit %3)")
                                        .arg(ref.path)
                                        .arg(n)
                                        .arg(max)));
            }
        }
    }

    void countBoundsByField()
    {
        const auto *rec = v1::IncidentRecord::descriptor();
        QCOMPARE(Limits::maxCount(rec->FindFieldByName("children")), Limits::kMaxChildren);
        QCOMPARE(Limits::maxCount(v1::ChildObservation::descriptor()->FindFieldByName("household")),
                 Limits::kMaxHouseholdMembers);
        // One entry per indicator category is the most that makes sense.
        QCOMPARE(Limits::kMaxIndicators, v1::Indicator_descriptor()->value_count() - 1);
        // Form 2: the incident's people, and references to them or to a child.
        QCOMPARE(Limits::maxCount(rec->FindFieldByName("people")), Limits::kMaxPeople);
        for (const char *refs : {"victim_ids", "suspect_ids"})
            QCOMPARE(Limits::maxCount(rec->FindFieldByName(refs)),
                     Limits::kMaxPeople + Limits::kMaxChildren);
        QCOMPARE(
            Limits::maxCount(v1::ChildObservation::descriptor()->FindFieldByName("relationships")),
            Limits::kMaxPeople + Limits::kMaxChildren);
        QCOMPARE(Limits::maxCount(
                     v1::ChildObservation::descriptor()->FindFieldByName("indicator_details")),
                 Limits::kMaxIndicatorDetails);
        // Reasons and notes are reasons, not names.
        QCOMPARE(
            Limits::maxChars(v1::NoticeDecision::descriptor()->FindFieldByName("not_made_reason")),
            Limits::kReasonTextChars);
        QCOMPARE(Limits::maxChars(v1::HistoryChecks::descriptor()->FindFieldByName("notes")),
                 Limits::kLongTextChars);
        QCOMPARE(Limits::maxChars(v1::Person::descriptor()->FindFieldByName("force_identifier")),
                 Limits::kShortTextChars);
    }

    void invalidUtf8IsRefused()
    {
        v1::IncidentRecord r;
        r.mutable_incident()->set_police_reference(std::string("SYN\xff\xfe", 5));
        QVERIFY(hasIssueAt(protocol::checkLimits(r), QStringLiteral("incident.police_reference"),
                           QStringLiteral("invalid_utf8")));
        r.mutable_incident()->set_police_reference("SYN-\xc3\xa9"); // valid two-byte sequence
        QVERIFY(protocol::checkLimits(r).isEmpty());
        r.mutable_incident()->set_police_reference(std::string("\xc3", 1)); // truncated
        QVERIFY(!protocol::checkLimits(r).isEmpty());
    }

    void recordSizeAtUnderAndOver()
    {
        QVERIFY(protocol::checkRecordSize(Limits::kMaxRecordBytes - 1).isEmpty());
        QVERIFY(protocol::checkRecordSize(Limits::kMaxRecordBytes).isEmpty());
        const auto over = protocol::checkRecordSize(Limits::kMaxRecordBytes + 1);
        QCOMPARE(over.size(), 1);
        QCOMPARE(over.first().code, QStringLiteral("record_too_large"));
        // Limits fit together: the largest legal record fits in a batch.
        QVERIFY(Limits::kMaxRecordBytes * 4 < Limits::kMaxBatchBytes);
    }

    void structureOfAValidRecord()
    {
        const auto r =
            testing::validDomesticAbuseRecord(protocol::RiskChecklistRegistry::withBuiltIns());
        QVERIFY(protocol::checkStructure(r).isEmpty());
    }

    void structureProblems_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("code");
        QTest::newRow("record id not a UUID") << 0 << "record_id"
                                              << "invalid_id";
        QTest::newRow("record id upper case") << 1 << "record_id"
                                              << "invalid_id";
        QTest::newRow("version 0") << 2 << "version"
                                   << "invalid_version";
        QTest::newRow("broken version chain") << 3 << "parent_version"
                                              << "invalid_version";
        QTest::newRow("amendment without reason") << 4 << "amendment_reason"
                                                  << "reason_required";
        QTest::newRow("duplicate child id") << 5 << "children[1].child_id"
                                            << "duplicate_id";
        QTest::newRow("child id not a UUID") << 6 << "children[0].child_id"
                                             << "invalid_id";
        QTest::newRow("unknown enum value") << 7 << "children[0].grade"
                                            << "unknown_value";
        QTest::newRow("unknown repeated enum value") << 8 << "children[0].indicators[0]"
                                                     << "unknown_value";
        QTest::newRow("record id nil UUID") << 9 << "record_id"
                                            << "invalid_id";
        QTest::newRow("record id in braces") << 10 << "record_id"
                                             << "invalid_id";
        QTest::newRow("record id with a non-hex letter") << 11 << "record_id"
                                                         << "invalid_id";
        QTest::newRow("record id dash misplaced") << 12 << "record_id"
                                                  << "invalid_id";
    }

    void structureProblems()
    {
        QFETCH(int, which);
        QFETCH(QString, path);
        QFETCH(QString, code);
        auto r = testing::validDomesticAbuseRecord(protocol::RiskChecklistRegistry::withBuiltIns());
        switch (which) {
        case 0:
            r.set_record_id("not-a-uuid");
            break;
        case 1:
            r.set_record_id("0F3C2A9E-1B7D-4C55-9A0E-5B1F6D2C8E47");
            break;
        case 2:
            r.set_version(0);
            break;
        case 3:
            r.set_version(3);
            r.set_parent_version(1);
            r.set_amendment_reason("SYNTHETIC: fix");
            break;
        case 4:
            r.set_version(2);
            r.set_parent_version(1);
            break;
        case 5:
            *r.add_children() = r.children(0);
            break;
        case 6:
            r.mutable_children(0)->set_child_id("child-1");
            break;
        case 7:
            r.mutable_children(0)->set_grade(static_cast<v1::Grade>(7));
            break;
        case 8:
            r.mutable_children(0)->add_indicators(static_cast<v1::Indicator>(77));
            break;
        case 9:
            r.set_record_id("00000000-0000-0000-0000-000000000000");
            break;
        case 10:
            r.set_record_id("{0f3c2a9e-1b7d-4c55-9a0e-5b1f6d2c8e4}");
            break;
        case 11:
            r.set_record_id("0f3c2a9e-1b7d-4c55-9a0e-5b1f6d2c8e4g");
            break;
        case 12:
            r.set_record_id("0f3c2a9e1-b7d-4c55-9a0e-5b1f6d2c8e47");
            break;
        }
        const auto issues = protocol::checkStructure(r);
        QVERIFY2(hasIssueAt(issues, path, code), qPrintable(path));
        QCOMPARE(issues.size(), 1);
    }

    void amendmentWithReasonIsWellFormed()
    {
        auto r = testing::validDomesticAbuseRecord(protocol::RiskChecklistRegistry::withBuiltIns());
        r.set_version(2);
        r.set_parent_version(1);
        r.set_amendment_reason("SYNTHETIC: corrected the child's date of birth");
        QVERIFY(protocol::checkStructure(r).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_limits.moc"
