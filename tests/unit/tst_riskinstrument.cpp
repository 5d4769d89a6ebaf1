// Risk instruments as data (checklist format 2): the police DASH in police
// order with a tag on every question, its stalking and honour-based abuse
// follow-ups and its sub-answers; answer types beyond yes / no; bands,
// single-factor triggers and clusters; a mandatory rationale; judgement that
// raises or lowers with a reason; "not safe to ask"; a DARA-shaped
// illustrative instrument; and version 1 still scoring as it always did.
#include "protocol/goodpractice.h"
#include "protocol/riskchecklist.h"
#include "recordfixtures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace safeguard;
using protocol::ChecklistError;
using protocol::RiskChecklist;
using protocol::RiskQuestion;

namespace {

RiskChecklist policeDash()
{
    return RiskChecklist::builtIn(QStringLiteral("dash-2009-v2.json"));
}

RiskChecklist daraShaped()
{
    return RiskChecklist::builtIn(QStringLiteral("dara-shaped-illustrative-v1.json"));
}

v1::RiskAnswer *answer(v1::RiskAssessment &a, const char *id)
{
    for (v1::RiskAnswer &r : *a.mutable_answers())
        if (r.question_id() == id)
            return &r;
    v1::RiskAnswer *r = a.add_answers();
    r->set_question_id(id);
    return r;
}

void yes(v1::RiskAssessment &a, const char *id)
{
    answer(a, id)->set_answer(v1::ANSWER_YES);
}

void no(v1::RiskAssessment &a, const char *id)
{
    answer(a, id)->set_answer(v1::ANSWER_NO);
}

// Every asked question answered "no" (or never, or a text): a complete
// assessment with nothing of concern, to change one answer at a time.
v1::RiskAssessment allNo(const RiskChecklist &c)
{
    v1::RiskAssessment a;
    a.set_checklist_id(c.id().toStdString());
    a.set_checklist_version(quint32(c.version()));
    for (const RiskQuestion &q : c.questions()) {
        v1::RiskAnswer *r = answer(a, q.id.toUtf8().constData());
        switch (q.type) {
        case protocol::RiskAnswerType::YesNo:
            r->set_answer(v1::ANSWER_NO);
            break;
        case protocol::RiskAnswerType::Frequency:
            r->set_frequency(v1::RISK_FREQUENCY_NEVER);
            break;
        case protocol::RiskAnswerType::Choices:
            break; // asked only as a sub-answer of a "yes" here
        case protocol::RiskAnswerType::Text:
            r->set_text("Synthetic answer");
            break;
        }
    }
    a.set_rationale("Synthetic rationale for the level.");
    return a;
}

QByteArray toBytes(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject definition(const QString &file)
{
    return QJsonDocument::fromJson(RiskChecklist::builtIn(file).canonicalJson()).object();
}

// The 16 questions of the police DASH that no trigger or cluster reads.
const char *const kPlainQuestions[] = {
    "very_frightened",
    "depressed_suicidal",
    "child_contact_conflict",
    "pregnant_or_recent_birth",
    "children_not_abusers",
    "child_hurt",
    "child_threatened",
    "escalating_frequency",
    "escalating_severity",
    "sexual_abuse",
    "other_threat",
    "animal_cruelty",
    "financial",
    "substance_mental_health",
    "abuser_suicide",
    "breach",
};

} // namespace

Q_DECLARE_METATYPE(ChecklistError)

class TestRiskInstrument : public QObject
{
    Q_OBJECT

private slots:
    void policeDashIsInPoliceOrderWithATagOnEveryQuestion()
    {
        const RiskChecklist c = policeDash();
        QCOMPARE(c.id(), QStringLiteral("dash-2009"));
        QCOMPARE(c.version(), 2);
        QCOMPARE(c.wording(), QStringLiteral("paraphrase"));
        const QJsonObject o = definition(QStringLiteral("dash-2009-v2.json"));
        QVERIFY(o.value(QLatin1String("note")).toString().startsWith(u"PARAPHRASED WORDING"));
        QVERIFY(o.value(QLatin1String("scoring"))
                    .toObject()
                    .value(QLatin1String("policy"))
                    .toString()
                    .startsWith(u"FORCE POLICY"));

        // The 27 numbered questions, in the police order, by what they ask.
        QStringList main;
        QSet<QString> tags;
        for (const RiskQuestion &q : c.questions()) {
            QVERIFY2(!q.tag.isEmpty(), qPrintable(q.id));
            QVERIFY2(!tags.contains(q.tag), qPrintable(q.tag));
            tags.insert(q.tag);
            if (q.parentId.isEmpty() && q.followUpSet.isEmpty()) {
                QCOMPARE(q.number, QString::number(main.size() + 1));
                main << q.tag;
            }
        }
        QCOMPARE(main.size(), 27);
        const QList<std::pair<int, const char *>> expected{
            {1, "injury"},
            {3, "afraid_further_harm"},
            {4, "isolated"},
            {6, "separation"},
            {8, "stalking"},
            {9, "pregnant_or_recent_birth"},
            {10, "children_not_abusers"},
            {11, "child_hurt"},
            {12, "child_threatened"},
            {13, "escalating_frequency"},
            {15, "coercive_control"},
            {17, "threat_to_kill"},
            {18, "strangulation"},
            {22, "animal_cruelty"},
            {23, "financial"},
            {27, "criminal_history"},
        };
        for (const auto &[n, tag] : expected)
            QCOMPARE(main[n - 1], QString::fromLatin1(tag));
        QCOMPARE(c.questionByTag(QStringLiteral("injury"))->section,
                 QStringLiteral("The current situation"));
        QCOMPARE(c.questionByTag(QStringLiteral("pregnant_or_recent_birth"))->section,
                 QStringLiteral("Children and dependants"));
        QCOMPARE(c.questionByTag(QStringLiteral("escalating_frequency"))->section,
                 QStringLiteral("Abuse history"));
        QCOMPARE(c.questionByTag(QStringLiteral("financial"))->section,
                 QStringLiteral("The abuser"));

        // The follow-ups come right after the question that opens them:
        // the 11 stalking questions after 8, honour-based abuse after 4.
        int stalking = 0, honour = 0, at8 = -1, at4 = -1;
        for (int i = 0; i < c.questions().size(); ++i) {
            const RiskQuestion &q = c.questions()[i];
            if (q.tag == QLatin1String("stalking"))
                at8 = i;
            if (q.tag == QLatin1String("isolated"))
                at4 = i;
            if (q.followUpSet == QLatin1String("stalking")) {
                QCOMPARE(i, at8 + 1 + stalking);
                QCOMPARE(q.number, QStringLiteral("S%1").arg(++stalking));
            }
            if (q.followUpSet == QLatin1String("honour_based_abuse")) {
                QCOMPARE(i, at4 + 1 + honour);
                ++honour;
            }
        }
        QCOMPARE(stalking, 11);
        QVERIFY(honour >= 3);
        QVERIFY(c.questionByTag(QStringLiteral("forced_marriage")));

        // "Afraid of what, and for whom": sub-answers, for whom naming the
        // children.
        const RiskQuestion *forWhom = c.questionByTag(QStringLiteral("afraid_for"));
        QVERIFY(forWhom);
        QCOMPARE(forWhom->parentId, QStringLiteral("afraid_further_harm"));
        QCOMPARE(forWhom->type, protocol::RiskAnswerType::Choices);
        QVERIFY(std::any_of(forWhom->options.cbegin(), forWhom->options.cend(),
                            [](const protocol::RiskOption &o) { return o.key == u"children"; }));
        QCOMPARE(c.questionByTag(QStringLiteral("hurt_others_who"))->parentId,
                 QStringLiteral("hurt_others"));
        QCOMPARE(c.questionByTag(QStringLiteral("criminal_history_kind"))->parentId,
                 QStringLiteral("criminal_history"));
    }

    void versionOneKeepsItsQuestionsAndItsScores()
    {
        protocol::RiskChecklistRegistry r = protocol::RiskChecklistRegistry::withBuiltIns();
        QVERIFY(!r.add(policeDash()));
        const RiskChecklist *v1c = r.find(QStringLiteral("dash-2009"), 1);
        QVERIFY(v1c);
        QCOMPARE(r.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->version(), 2);
        // The same ids in the same (partner) order, meaning what they did.
        QCOMPARE(v1c->questions().size(), 27);
        QCOMPARE(v1c->questions()[14].id, QStringLiteral("q15"));
        QVERIFY(v1c->questions()[14].text.contains(u"strangle"));
        QCOMPARE(v1c->questions()[24].id, QStringLiteral("q25"));
        // Scored as before: 14 yes is high, 13 medium, strangulation alone
        // is one yes (no triggers in version 1), judgement may not lower.
        for (const auto &[count, level] :
             QList<std::pair<int, v1::RiskLevel>>{{9, v1::RISK_LEVEL_STANDARD},
                                                  {10, v1::RISK_LEVEL_MEDIUM},
                                                  {13, v1::RISK_LEVEL_MEDIUM},
                                                  {14, v1::RISK_LEVEL_HIGH}}) {
            v1::RiskAssessment a;
            for (int i = 0; i < 27; ++i)
                answer(a, qPrintable(v1c->questions()[i].id))
                    ->set_answer(i < count ? v1::ANSWER_YES : v1::ANSWER_NO);
            QCOMPARE(v1c->score(a).finalLevel, level);
        }
        v1::RiskAssessment strangled;
        for (int i = 0; i < 27; ++i)
            answer(strangled, qPrintable(v1c->questions()[i].id))->set_answer(v1::ANSWER_NO);
        yes(strangled, "q15");
        QCOMPARE(v1c->score(strangled).score, 1);
        QCOMPARE(v1c->score(strangled).finalLevel, v1::RISK_LEVEL_STANDARD);
        QVERIFY(!v1c->score(strangled).rationaleMissing); // version 1 asks none
        strangled.set_judgement_level(v1::RISK_LEVEL_HIGH);
        strangled.set_judgement_rationale("Synthetic: strangulation disclosed.");
        QCOMPARE(v1c->score(strangled).finalLevel, v1::RISK_LEVEL_HIGH);
    }

    void bandsAtEveryThreshold_data()
    {
        QTest::addColumn<int>("yesCount");
        QTest::addColumn<int>("level");
        QTest::newRow("0: standard") << 0 << int(v1::RISK_LEVEL_STANDARD);
        QTest::newRow("9: standard") << 9 << int(v1::RISK_LEVEL_STANDARD);
        QTest::newRow("10: medium") << 10 << int(v1::RISK_LEVEL_MEDIUM);
        QTest::newRow("13: medium") << 13 << int(v1::RISK_LEVEL_MEDIUM);
        QTest::newRow("14: high") << 14 << int(v1::RISK_LEVEL_HIGH);
        QTest::newRow("16: high") << 16 << int(v1::RISK_LEVEL_HIGH);
    }

    void bandsAtEveryThreshold()
    {
        QFETCH(int, yesCount);
        QFETCH(int, level);
        const RiskChecklist c = policeDash();
        v1::RiskAssessment a = allNo(c);
        for (int i = 0; i < yesCount; ++i)
            yes(a, kPlainQuestions[i]);
        const protocol::RiskScore s = c.score(a);
        QCOMPARE(s.score, yesCount);
        QCOMPARE(int(s.bandLevel), level);
        QCOMPARE(int(s.finalLevel), level);
        QVERIFY(s.firedRuleIds.isEmpty());
        QVERIFY2(s.complete(), qPrintable(s.unansweredQuestionIds.join(u',')));
    }

    void singleFactorTriggersSetALevel_data()
    {
        QTest::addColumn<QString>("tag");
        QTest::addColumn<int>("level");
        QTest::newRow("strangulation") << "strangulation" << int(v1::RISK_LEVEL_HIGH);
        QTest::newRow("threat to kill") << "threat_to_kill" << int(v1::RISK_LEVEL_HIGH);
        QTest::newRow("stalking") << "stalking" << int(v1::RISK_LEVEL_MEDIUM);
    }

    void singleFactorTriggersSetALevel()
    {
        QFETCH(QString, tag);
        QFETCH(int, level);
        const RiskChecklist c = policeDash();
        v1::RiskAssessment a = allNo(c);
        yes(a, qPrintable(tag));
        const protocol::RiskScore s = c.score(a);
        QCOMPARE(s.score, 1);
        QCOMPARE(s.bandLevel, v1::RISK_LEVEL_STANDARD);
        QCOMPARE(int(s.scoredLevel), level);
        QCOMPARE(int(s.finalLevel), level);
        QCOMPARE(s.firedRuleIds, QStringList{tag});
        QCOMPARE(s.reasons.size(), 1);
        // "No" or "not known" fires nothing.
        answer(a, qPrintable(tag))->set_answer(v1::ANSWER_NOT_KNOWN);
        QVERIFY(c.score(a).firedRuleIds.isEmpty());
        QCOMPARE(c.score(a).finalLevel, v1::RISK_LEVEL_STANDARD);
    }

    void aTriggerOnAQuestionNotAskedDoesNotFire()
    {
        // Forced marriage is asked only once "isolated" is yes.
        const RiskChecklist c = policeDash();
        v1::RiskAssessment a = allNo(c);
        yes(a, "forced_marriage"); // left from an earlier answer, now hidden
        QCOMPARE(c.score(a).finalLevel, v1::RISK_LEVEL_STANDARD);
        yes(a, "isolated");
        const protocol::RiskScore s = c.score(a);
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_HIGH);
        QCOMPARE(s.firedRuleIds, QStringList{QStringLiteral("forced_marriage")});
    }

    void clustersSetALevelWhenEnoughHold()
    {
        const RiskChecklist c = policeDash();
        v1::RiskAssessment a = allNo(c);
        yes(a, "separation");
        yes(a, "coercive_control");
        QCOMPARE(c.score(a).finalLevel, v1::RISK_LEVEL_STANDARD); // 2 of the 3 needed
        QVERIFY(c.score(a).firedRuleIds.isEmpty());
        for (const char *violence : {"injury", "weapons"}) {
            v1::RiskAssessment b = a;
            yes(b, violence);
            const protocol::RiskScore s = c.score(b);
            QCOMPARE(s.score, 3);
            QCOMPARE(s.bandLevel, v1::RISK_LEVEL_STANDARD);
            QCOMPARE(s.finalLevel, v1::RISK_LEVEL_HIGH);
            QCOMPARE(s.firedRuleIds, QStringList{QStringLiteral("separation_control_violence")});
        }
    }

    void judgementRaisesAndLowersOnlyWithAReason()
    {
        const RiskChecklist c = policeDash();
        v1::RiskAssessment a = allNo(c);
        yes(a, "strangulation"); // high by trigger
        a.set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        protocol::RiskScore s = c.score(a);
        QCOMPARE(s.overrideProblem, QStringLiteral("rationale_required"));
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_HIGH); // not lowered without a reason
        a.set_judgement_rationale("   ");
        QCOMPARE(c.score(a).finalLevel, v1::RISK_LEVEL_HIGH);
        a.set_judgement_rationale("Synthetic: a historic incident, the suspect is in custody.");
        s = c.score(a);
        QCOMPARE(s.overrideProblem, QString());
        QVERIFY(s.overrideApplied);
        QCOMPARE(s.scoredLevel, v1::RISK_LEVEL_HIGH);
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_MEDIUM);

        v1::RiskAssessment up = allNo(c);
        up.set_judgement_level(v1::RISK_LEVEL_HIGH);
        QCOMPARE(c.score(up).overrideProblem, QStringLiteral("rationale_required"));
        QCOMPARE(c.score(up).finalLevel, v1::RISK_LEVEL_STANDARD);
        up.set_judgement_rationale("Synthetic: the victim fears for the children's lives.");
        QCOMPARE(c.score(up).finalLevel, v1::RISK_LEVEL_HIGH);
        // Judging the scored level itself is no override.
        up.set_judgement_level(v1::RISK_LEVEL_STANDARD);
        QVERIFY(!c.score(up).overrideApplied);
    }

    void theRationaleIsMandatory()
    {
        const RiskChecklist c = policeDash();
        QVERIFY(c.rationaleRequired());
        v1::RiskAssessment a = allNo(c);
        QVERIFY(!c.score(a).rationaleMissing);
        a.set_rationale(" \n ");
        QVERIFY(c.score(a).rationaleMissing);
        a.clear_rationale();
        QVERIFY(c.score(a).rationaleMissing);
    }

    void followUpsAreAskedAndRequiredOnlyWhenOpened()
    {
        const RiskChecklist c = policeDash();
        v1::RiskAssessment a = allNo(c);
        for (v1::RiskAnswer &r : *a.mutable_answers())
            if (QString::fromStdString(r.question_id()).startsWith(u"s_"))
                r.clear_answer();
        QVERIFY(c.score(a).complete()); // stalking "no": the 11 are not asked
        yes(a, "stalking");
        protocol::RiskScore s = c.score(a);
        QCOMPARE(s.unansweredQuestionIds.size(), 11);
        for (const QString &id : s.unansweredQuestionIds) {
            QCOMPARE(c.question(id)->followUpSet, QStringLiteral("stalking"));
            QVERIFY(c.isAsked(*c.question(id), a));
        }
        for (const QString &id : s.unansweredQuestionIds)
            no(a, qPrintable(id));
        QVERIFY(c.score(a).complete());

        // Sub-answers: "afraid of what, and for whom" only after "yes".
        yes(a, "afraid_further_harm");
        s = c.score(a);
        QCOMPARE(s.unansweredQuestionIds,
                 (QStringList{QStringLiteral("afraid_of"), QStringLiteral("afraid_for")}));
        answer(a, "afraid_of")->add_choices("being_killed");
        answer(a, "afraid_for")->add_choices("self");
        answer(a, "afraid_for")->add_choices("children");
        QVERIFY(c.score(a).complete());
        // A detail that is optional stays optional when asked.
        yes(a, "injury");
        QVERIFY(c.isAsked(*c.questionByTag(QStringLiteral("injury_detail")), a));
        QVERIFY(c.score(a).complete());
    }

    void notKnownWhereAllowedAndRefusedWhereNot()
    {
        const RiskChecklist dash = policeDash();
        v1::RiskAssessment a = allNo(dash);
        answer(a, "weapons")->set_answer(v1::ANSWER_NOT_KNOWN);
        protocol::RiskScore s = dash.score(a);
        QVERIFY(s.complete());
        QVERIFY(s.notKnownRefusedIds.isEmpty());
        QCOMPARE(s.score, 0);
        // "Not known" alone among a choice's options; with others it is invalid.
        yes(a, "afraid_further_harm");
        answer(a, "afraid_of")->add_choices("not_known");
        answer(a, "afraid_for")->add_choices("children");
        QVERIFY(dash.score(a).invalidAnswerIds.isEmpty());
        answer(a, "afraid_of")->add_choices("being_killed");
        QCOMPARE(dash.score(a).invalidAnswerIds, QStringList{QStringLiteral("afraid_of")});
        answer(a, "afraid_of")->clear_choices();
        answer(a, "afraid_of")->add_choices("a_key_no_option_has");
        QCOMPARE(dash.score(a).invalidAnswerIds, QStringList{QStringLiteral("afraid_of")});

        // The DARA-shaped stalking frequency does not allow "not known".
        const RiskChecklist dara = daraShaped();
        v1::RiskAssessment d = allNo(dara);
        d.set_judgement_level(v1::RISK_LEVEL_STANDARD);
        answer(d, "threats")->set_frequency(v1::RISK_FREQUENCY_NOT_KNOWN);
        QVERIFY(dara.score(d).notKnownRefusedIds.isEmpty());
        answer(d, "stalking")->set_frequency(v1::RISK_FREQUENCY_NOT_KNOWN);
        QCOMPARE(dara.score(d).notKnownRefusedIds, QStringList{QStringLiteral("stalking")});
        // A text over its length is refused, not cut.
        answer(d, "victim_account")->set_text(std::string(301, 'x'));
        QCOMPARE(dara.score(d).invalidAnswerIds, QStringList{QStringLiteral("victim_account")});
    }

    void theDaraShapedInstrumentLoadsAndIsGradedByJudgement()
    {
        const RiskChecklist c = daraShaped();
        QCOMPARE(c.wording(), QStringLiteral("illustrative"));
        QVERIFY(c.title().startsWith(u"ILLUSTRATIVE"));
        QCOMPARE(c.scoring(), protocol::RiskScoring::Judgement);
        QCOMPARE(c.questionByTag(QStringLiteral("physical_violence"))->type,
                 protocol::RiskAnswerType::Frequency);
        QCOMPARE(c.questionByTag(QStringLiteral("controlling_kinds"))->type,
                 protocol::RiskAnswerType::Choices);
        QCOMPARE(c.questionByTag(QStringLiteral("victim_account"))->type,
                 protocol::RiskAnswerType::Text);

        v1::RiskAssessment a = allNo(c);
        answer(a, "physical_violence")->set_frequency(v1::RISK_FREQUENCY_SOMETIMES);
        protocol::RiskScore s = c.score(a);
        QCOMPARE(s.overrideProblem, QStringLiteral("judgement_required"));
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_UNSPECIFIED);
        // The officer grades: either way, no reason beyond the rationale.
        a.set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        s = c.score(a);
        QCOMPARE(s.overrideProblem, QString());
        QVERIFY(!s.overrideApplied);
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_MEDIUM);
        a.clear_rationale();
        QVERIFY(c.score(a).rationaleMissing);
        a.set_rationale("Synthetic rationale.");
        // Its trigger sets high; grading below it needs a reason.
        yes(a, "strangulation");
        QCOMPARE(c.score(a).scoredLevel, v1::RISK_LEVEL_HIGH);
        QCOMPARE(c.score(a).overrideProblem, QStringLiteral("rationale_required"));
        QCOMPARE(c.score(a).finalLevel, v1::RISK_LEVEL_HIGH);
        a.set_judgement_rationale("Synthetic: a reason to grade below the trigger.");
        QCOMPARE(c.score(a).finalLevel, v1::RISK_LEVEL_MEDIUM);
    }

    void goodPracticeNamesTheVictimTheOutcomeAndTheQuestionByNumber()
    {
        protocol::RiskChecklistRegistry r = protocol::RiskChecklistRegistry::withBuiltIns();
        QVERIFY(!r.add(policeDash()));
        const protocol::GoodPracticeValidator validator(r);
        v1::IncidentRecord record = testing::validDomesticAbuseRecordForm2(r);
        QCOMPARE(record.victim_ids(0), std::string(testing::kVictimId));
        *record.mutable_risk() = allNo(policeDash());
        const auto issuesAt = [&](const char *path) {
            QStringList codes;
            for (const protocol::RecordIssue &i : validator.check(record))
                if (i.path == QLatin1String(path))
                    codes << i.code;
            return codes;
        };
        QCOMPARE(issuesAt("risk.victim_id"), QStringList{QStringLiteral("required")});
        record.mutable_risk()->set_victim_id("someone-else");
        QCOMPARE(issuesAt("risk.victim_id"), QStringList{QStringLiteral("not_a_victim")});
        record.mutable_risk()->set_victim_id(testing::kVictimId);
        QVERIFY(issuesAt("risk.victim_id").isEmpty());

        // An unanswered question is named by its number and its words.
        answer(*record.mutable_risk(), "strangulation")->clear_answer();
        bool named = false;
        for (const protocol::RecordIssue &i : validator.check(record))
            named = named || (i.path == QLatin1String("risk.answers[strangulation]") &&
                              i.message.startsWith(u"Answer risk question 18: "));
        QVERIFY(named);
        record.mutable_risk()->clear_rationale();
        QCOMPARE(issuesAt("risk.rationale"), QStringList{QStringLiteral("required")});

        // Not safe to ask (the suspect is present): its own outcome, with a
        // reason, and the unanswered questions are not asked of the officer.
        record.mutable_risk()->set_not_safe_to_ask(true);
        QCOMPARE(issuesAt("risk.not_safe_reason"), QStringList{QStringLiteral("reason_required")});
        QVERIFY(issuesAt("risk.answers[strangulation]").isEmpty());
        record.mutable_risk()->set_not_safe_reason(
            "Synthetic: the suspect was in the room; to be asked at the station.");
        QVERIFY(issuesAt("risk.not_safe_reason").isEmpty());
        QVERIFY(issuesAt("risk.declined_reason").isEmpty());
        record.mutable_risk()->set_declined(true);
        QCOMPARE(issuesAt("risk.not_safe_to_ask"), QStringList{QStringLiteral("choose_one")});
    }

    void brokenDefinitionsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<ChecklistError>("error");
        const QJsonObject good = definition(QStringLiteral("dash-2009-v2.json"));
        const auto edit = [&](auto change) {
            QJsonObject o = good;
            change(o);
            return toBytes(o);
        };
        const auto firstQuestion = [](QJsonObject &o, auto change) {
            QJsonArray sections = o[QLatin1String("sections")].toArray();
            QJsonObject s = sections[0].toObject();
            QJsonArray qs = s[QLatin1String("questions")].toArray();
            QJsonObject q = qs[0].toObject();
            change(q);
            qs[0] = q;
            s[QLatin1String("questions")] = qs;
            sections[0] = s;
            o[QLatin1String("sections")] = sections;
        };
        const auto scoring = [](QJsonObject &o, auto change) {
            QJsonObject s = o[QLatin1String("scoring")].toObject();
            change(s);
            o[QLatin1String("scoring")] = s;
        };
        QTest::newRow("whose wording, not said")
            << edit([](QJsonObject &o) { o.remove(QLatin1String("wording")); })
            << ChecklistError::InvalidField;
        QTest::newRow("a question without a tag") << edit([&](QJsonObject &o) {
            firstQuestion(o, [](QJsonObject &q) { q.remove(QLatin1String("tag")); });
        }) << ChecklistError::MissingField;
        QTest::newRow("two questions, one tag") << edit([&](QJsonObject &o) {
            firstQuestion(o, [](QJsonObject &q) {
                q[QLatin1String("tag")] = QStringLiteral("strangulation");
            });
        }) << ChecklistError::DuplicateQuestion;
        QTest::newRow("not known not said") << edit([&](QJsonObject &o) {
            firstQuestion(o, [](QJsonObject &q) { q.remove(QLatin1String("not_known")); });
        }) << ChecklistError::MissingField;
        QTest::newRow("an unknown answer type") << edit([&](QJsonObject &o) {
            firstQuestion(o, [](QJsonObject &q) { q[QLatin1String("type")] = "scale"; });
        }) << ChecklistError::InvalidField;
        QTest::newRow("a trigger on a tag no question has") << edit([&](QJsonObject &o) {
            scoring(o, [](QJsonObject &s) {
                s[QLatin1String("triggers")] = QJsonArray{
                    QJsonObject{{"id", "x"},
                                {"label", "x"},
                                {"level", "high"},
                                {"when", QJsonObject{{"tag", "no_such_tag"}, {"answer", "yes"}}}}};
            });
        }) << ChecklistError::BadReference;
        QTest::newRow("a frequency condition on a yes/no question") << edit([&](QJsonObject &o) {
            scoring(o, [](QJsonObject &s) {
                s[QLatin1String("triggers")] = QJsonArray{
                    QJsonObject{{"id", "x"},
                                {"label", "x"},
                                {"level", "high"},
                                {"when", QJsonObject{{"tag", "injury"}, {"at_least", "often"}}}}};
            });
        }) << ChecklistError::BadReference;
        QTest::newRow("a cluster of one") << edit([&](QJsonObject &o) {
            scoring(o, [](QJsonObject &s) {
                s[QLatin1String("clusters")] = QJsonArray{QJsonObject{
                    {"id", "x"},
                    {"label", "x"},
                    {"level", "high"},
                    {"conditions", QJsonArray{QJsonObject{{"tag", "injury"}, {"answer", "yes"}}}}}};
            });
        }) << ChecklistError::InvalidField;
        QTest::newRow("min_met above the conditions") << edit([&](QJsonObject &o) {
            scoring(o, [](QJsonObject &s) {
                QJsonArray cl = s[QLatin1String("clusters")].toArray();
                QJsonObject c = cl[0].toObject();
                c[QLatin1String("min_met")] = 9;
                cl[0] = c;
                s[QLatin1String("clusters")] = cl;
            });
        }) << ChecklistError::InvalidField;
        QTest::newRow("a follow-up opened by no question") << edit([](QJsonObject &o) {
            QJsonArray f = o[QLatin1String("follow_ups")].toArray();
            QJsonObject s = f[0].toObject();
            s[QLatin1String("when")] = QJsonObject{{"tag", "nothing"}, {"answer", "yes"}};
            f[0] = s;
            o[QLatin1String("follow_ups")] = f;
        }) << ChecklistError::BadReference;
        QTest::newRow("no rationale rule")
            << edit([](QJsonObject &o) { o.remove(QLatin1String("rationale")); })
            << ChecklistError::MissingField;
        QTest::newRow("a judgement rule without lowering said") << edit([](QJsonObject &o) {
            QJsonObject j = o[QLatin1String("judgement")].toObject();
            j.remove(QLatin1String("may_lower"));
            o[QLatin1String("judgement")] = j;
        }) << ChecklistError::MissingField;
        QTest::newRow("bands under judgement scoring") << edit([&](QJsonObject &o) {
            scoring(o, [](QJsonObject &s) { s[QLatin1String("method")] = "judgement"; });
        }) << ChecklistError::BadThresholds;
        QTest::newRow("a choice of one") << edit([&](QJsonObject &o) {
            firstQuestion(o, [](QJsonObject &q) {
                q[QLatin1String("type")] = "choices";
                q[QLatin1String("options")] = QJsonArray{QJsonObject{{"key", "a"}, {"label", "A"}}};
            });
        }) << ChecklistError::InvalidField;
        QTest::newRow("201 questions") << edit([](QJsonObject &o) {
            QJsonArray qs;
            for (int i = 0; i < 201; ++i)
                qs.append(QJsonObject{{"id", QStringLiteral("x%1").arg(i)},
                                      {"tag", QStringLiteral("x%1").arg(i)},
                                      {"number", QString::number(i)},
                                      {"text", "Synthetic?"},
                                      {"type", "yes_no"},
                                      {"not_known", true}});
            o[QLatin1String("sections")] =
                QJsonArray{QJsonObject{{"title", "All"}, {"questions", qs}}};
            o.remove(QLatin1String("follow_ups"));
            QJsonObject s = o[QLatin1String("scoring")].toObject();
            s.remove(QLatin1String("triggers"));
            s.remove(QLatin1String("clusters"));
            o[QLatin1String("scoring")] = s;
        }) << ChecklistError::TooLarge;
    }

    void brokenDefinitionsAreRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(ChecklistError, error);
        const auto loaded = RiskChecklist::fromJson(json);
        QVERIFY2(std::holds_alternative<protocol::ChecklistLoadError>(loaded), json.left(200));
        QCOMPARE(int(std::get<protocol::ChecklistLoadError>(loaded).error), int(error));
    }
};

QTEST_GUILESS_MAIN(TestRiskInstrument)
#include "tst_riskinstrument.moc"
