// A draft begun on form 1 moves to form 2 without losing anything the
// officer wrote: the household entered per child becomes the incident's
// people with each child's relationship to them, the shared notice reason
// becomes one per notice, ACE indicators wait for their source, and the
// result is a record the hub takes as form 2 (no form-1 field left).
#include "protocol/derivedfacts.h"
#include "protocol/formmigration.h"
#include "protocol/goodpractice.h"
#include "protocol/limits.h"
#include "recordfixtures.h"

#include <QTest>

using namespace safeguard;
using protocol::FormMigration;

namespace {

std::function<std::string()> counter()
{
    auto n = std::make_shared<int>(0);
    return [n] {
        return QStringLiteral("00000000-0000-4000-8000-%1")
            .arg(++*n, 12, 10, QLatin1Char('0'))
            .toStdString();
    };
}

v1::HouseholdMember *member(v1::ChildObservation *c, const char *name, const char *relationship)
{
    v1::HouseholdMember *m = c->add_household();
    m->set_name(name);
    m->set_relationship_to_child(relationship);
    return m;
}

bool hasIssue(const protocol::RecordIssues &issues, const QString &code)
{
    for (const auto &i : issues)
        if (i.code == code)
            return true;
    return false;
}

} // namespace

class TestFormMigration : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();

    // Two children who both list their mother and her partner (spelt the
    // same), the partner suspected and arrested in one child's list and
    // drunk in the other's.
    v1::IncidentRecord formOneHousehold() const
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        v1::ChildObservation *alpha = r.mutable_children(0);
        v1::ChildObservation *beta = r.add_children();
        *beta = *alpha;
        beta->set_child_id("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5f");
        beta->mutable_identity()->set_given_names("Beta SYNTHETIC");
        beta->mutable_identity()->mutable_education()->Clear();
        beta->mutable_identity()->mutable_education()->set_not_in_education(true);

        for (v1::ChildObservation *c : {alpha, beta}) {
            v1::HouseholdMember *mum = member(c, "Delta Example SYNTHETIC", "Mum");
            mum->set_lives_with_child(true);
            mum->set_present_at_incident(true);
            mum->set_parental_responsibility(v1::ANSWER_YES);
            mum->set_carer_capacity(v1::CARER_CAPACITY_NO_CONCERN);
        }
        v1::HouseholdMember *p = member(alpha, "Epsilon SYNTHETIC", "mother's partner");
        p->set_suspected_perpetrator(true);
        p->set_carer_capacity(v1::CARER_CAPACITY_ARRESTED);
        p->set_carer_capacity_detail("SYNTHETIC: in custody");
        p = member(beta, " epsilon  synthetic ", "Mum's boyfriend");
        p->set_suspected_perpetrator(true);
        p->set_carer_capacity(v1::CARER_CAPACITY_INTOXICATED_ALCOHOL);
        p->set_present_at_incident(true);

        alpha->add_indicators(v1::INDICATOR_DOMESTIC_ABUSE);
        alpha->add_indicators(v1::INDICATOR_ALCOHOL_MISUSE);
        // PPN made, Encompass not, one reason shared by both (form 1).
        alpha->mutable_referrals()->set_operation_encompass_notice(false);
        alpha->mutable_referrals()->set_not_referred_reason("SYNTHETIC: school already told");
        beta->mutable_referrals()->set_public_protection_notice(false);
        beta->mutable_referrals()->set_operation_encompass_notice(false);
        beta->mutable_referrals()->clear_not_referred_reason();
        return r;
    }

private slots:
    void theHouseholdBecomesPeopleOnceWithEachChildsRelationship()
    {
        v1::IncidentRecord r = formOneHousehold();
        QVERIFY(FormMigration::toCurrentForm(r, counter()));
        QCOMPARE(protocol::derived::formVersion(r), 2);

        // One person per name, however many children listed them.
        QCOMPARE(r.people_size(), 2);
        const v1::Person &mum = r.people(0);
        const v1::Person &partner = r.people(1);
        QCOMPARE(mum.given_names(), std::string("Delta Example"));
        QCOMPARE(mum.family_name(), std::string("SYNTHETIC"));
        QVERIFY(mum.present_at_incident());
        QCOMPARE(partner.given_names(), std::string("Epsilon"));
        QVERIFY(partner.present_at_incident()); // present in one child's list
        // Both children's concerns about the partner, and the detail.
        QCOMPARE(partner.carer_capacity_size(), 2);
        QCOMPARE(partner.carer_capacity(0), int(v1::CARER_CAPACITY_ARRESTED));
        QCOMPARE(partner.carer_capacity(1), int(v1::CARER_CAPACITY_INTOXICATED_ALCOHOL));
        QCOMPARE(partner.carer_capacity_detail(), std::string("SYNTHETIC: in custody"));
        QCOMPARE(r.suspect_ids_size(), 1);
        QCOMPARE(r.suspect_ids(0), partner.person_id());
        QVERIFY(mum.person_id() != partner.person_id());

        for (const v1::ChildObservation &c : r.children()) {
            QCOMPARE(c.household_size(), 0);
            QCOMPARE(c.relationships_size(), 2);
            QCOMPARE(c.relationships(0).person_id(), mum.person_id());
            QCOMPARE(c.relationships(0).kind(), v1::RELATIONSHIP_KIND_PARENT);
            QCOMPARE(c.relationships(0).parental_responsibility(), v1::ANSWER_YES);
            QVERIFY(c.relationships(0).lives_with_child());
            QCOMPARE(c.relationships(1).person_id(), partner.person_id());
            QCOMPARE(c.relationships(1).kind(), v1::RELATIONSHIP_KIND_PARENTS_PARTNER);
        }
        // The officer's own words are kept as the detail.
        QCOMPARE(r.children(1).relationships(1).detail(), std::string("Mum's boyfriend"));
    }

    void noticesGetAReasonEachAndIndicatorsWaitForTheirSource()
    {
        v1::IncidentRecord r = formOneHousehold();
        QVERIFY(FormMigration::toCurrentForm(r, counter()));
        const v1::ChildReferrals &alpha = r.children(0).referrals();
        QCOMPARE(alpha.protection_notice().made(), v1::ANSWER_YES);
        QCOMPARE(alpha.encompass_notice().made(), v1::ANSWER_NO);
        QCOMPARE(alpha.encompass_notice().not_made_reason(),
                 std::string("SYNTHETIC: school already told"));
        // Neither flag and no reason: not answered, so the officer is asked.
        const v1::ChildReferrals &beta = r.children(1).referrals();
        QCOMPARE(beta.protection_notice().made(), v1::ANSWER_UNSPECIFIED);
        QCOMPARE(beta.encompass_notice().made(), v1::ANSWER_UNSPECIFIED);
        QVERIFY(!alpha.public_protection_notice() && alpha.not_referred_reason().empty());

        QCOMPARE(r.children(0).indicators_size(), 0);
        QCOMPARE(r.children(0).indicator_details_size(), 2);
        QCOMPARE(r.children(0).indicator_details(0).indicator(), v1::INDICATOR_DOMESTIC_ABUSE);
        QCOMPARE(r.children(0).indicator_details(0).provenance(), v1::PROVENANCE_UNSPECIFIED);
        QCOMPARE(r.children(1).identity().education().setting_type(),
                 v1::SETTING_TYPE_NOT_IN_EDUCATION);
        QVERIFY(!r.children(1).identity().education().not_in_education());

        // The hub takes it as form 2 (no form-1 field left); the form asks
        // what form 2 needs: each indicator's source, Beta's notice.
        QVERIFY(!hasIssue(protocol::checkStructure(r), QStringLiteral("legacy_field")));
        const auto issues = protocol::GoodPracticeValidator(m_checklists).check(r);
        QVERIFY(hasIssue(issues, QStringLiteral("provenance_required")));
        QVERIFY(hasIssue(issues, QStringLiteral("notice_expected")));
    }

    void relationshipWordsBecomeKinds_data()
    {
        QTest::addColumn<QString>("words");
        QTest::addColumn<int>("kind");
        QTest::newRow("mum") << "Mum" << int(v1::RELATIONSHIP_KIND_PARENT);
        QTest::newRow("father") << "birth father" << int(v1::RELATIONSHIP_KIND_PARENT);
        QTest::newRow("step") << "step-father" << int(v1::RELATIONSHIP_KIND_STEP_PARENT);
        QTest::newRow("step-sibling") << "stepsister" << int(v1::RELATIONSHIP_KIND_SIBLING);
        QTest::newRow("partner") << "mother's partner"
                                 << int(v1::RELATIONSHIP_KIND_PARENTS_PARTNER);
        QTest::newRow("grand") << "grandmother" << int(v1::RELATIONSHIP_KIND_GRANDPARENT);
        QTest::newRow("sibling") << "sister" << int(v1::RELATIONSHIP_KIND_SIBLING);
        QTest::newRow("the mum") << "The  Mum" << int(v1::RELATIONSHIP_KIND_PARENT);
        QTest::newRow("curly apostrophe") << QString::fromUtf8("Mum\u2019s partner")
                                          << int(v1::RELATIONSHIP_KIND_PARENTS_PARTNER);
        // Qualified: the officer chooses; the words are kept.
        QTest::newRow("mum's friend") << "mum's friend" << int(v1::RELATIONSHIP_KIND_UNSPECIFIED);
        QTest::newRow("sister's boyfriend")
            << "sister's boyfriend" << int(v1::RELATIONSHIP_KIND_UNSPECIFIED);
        QTest::newRow("older sister") << "older sister" << int(v1::RELATIONSHIP_KIND_UNSPECIFIED);
        QTest::newRow("aunt") << "aunt" << int(v1::RELATIONSHIP_KIND_OTHER_RELATIVE);
        QTest::newRow("foster") << "foster carer"
                                << int(v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER);
        QTest::newRow("lodger") << "lodger" << int(v1::RELATIONSHIP_KIND_NOT_RELATED);
        QTest::newRow("godparent") << "godparent" << int(v1::RELATIONSHIP_KIND_UNSPECIFIED);
        QTest::newRow("other words") << "au pair" << int(v1::RELATIONSHIP_KIND_UNSPECIFIED);
        QTest::newRow("none") << "" << int(v1::RELATIONSHIP_KIND_UNSPECIFIED);
    }

    void relationshipWordsBecomeKinds()
    {
        QFETCH(QString, words);
        QFETCH(int, kind);
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        member(r.mutable_children(0), "Zeta SYNTHETIC", words.toUtf8().constData());
        QVERIFY(FormMigration::toCurrentForm(r, counter()));
        QCOMPARE(int(r.children(0).relationships(0).kind()), kind);
        QCOMPARE(QString::fromStdString(r.children(0).relationships(0).detail()), words);
    }

    // Two entries are one person only when different children name the
    // same adult: never two entries of one child, never a blank or a
    // placeholder (half-siblings' "Dad" are two men).
    void onlyTheSameNamedAdultAcrossChildrenIsOnePerson()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        v1::ChildObservation *alpha = r.mutable_children(0);
        v1::ChildObservation *beta = r.add_children();
        *beta = *alpha;
        beta->set_child_id("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5f");
        member(alpha, "", "visitor");
        member(alpha, "  ", "visitor");
        member(alpha, "Unknown male", "visitor");
        v1::HouseholdMember *suspect = member(alpha, "Unknown Male", "visitor");
        suspect->set_suspected_perpetrator(true);
        member(alpha, "Dad", "father");
        member(beta, "dad", "father");
        member(alpha, "Theta SYNTHETIC", "uncle");
        member(beta, "theta synthetic", "uncle");
        QVERIFY(FormMigration::toCurrentForm(r, counter()));
        // 2 blanks + 2 unknown males + 2 dads + 1 Theta.
        QCOMPARE(r.people_size(), 7);
        QCOMPARE(r.suspect_ids_size(), 1);
        QCOMPARE(r.suspect_ids(0), r.people(3).person_id()); // only the one flagged
        QCOMPARE(r.children(0).relationships(5).person_id(),
                 r.children(1).relationships(1).person_id()); // Theta, once
    }

    // Both form-1 notices made, and a reason typed anyway: the words stay.
    void aReasonTypedForNoticesBothMadeIsKept()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        r.mutable_children(0)->mutable_referrals()->set_not_referred_reason("SYNTHETIC: note");
        QVERIFY(FormMigration::toCurrentForm(r, counter()));
        QVERIFY(r.children(0).referrals().not_referred_reason().empty());
        QVERIFY(QString::fromStdString(r.referrals().other_referrals())
                    .endsWith(QLatin1String("Notice note for child 1 (form 1): SYNTHETIC: note")));
    }

    void aFormTwoRecordIsLeftAsItIs()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        const std::string before = r.SerializeAsString();
        QVERIFY(!FormMigration::toCurrentForm(r, counter()));
        QCOMPARE(r.SerializeAsString(), before);
        // And a migrated record is not migrated twice.
        v1::IncidentRecord once = formOneHousehold();
        QVERIFY(FormMigration::toCurrentForm(once, counter()));
        const std::string migrated = once.SerializeAsString();
        QVERIFY(!FormMigration::toCurrentForm(once, counter()));
        QCOMPARE(once.SerializeAsString(), migrated);
    }
};

QTEST_GUILESS_MAIN(TestFormMigration)
#include "tst_formmigration.moc"
