// Risk checklists as versioned data: scoring at each threshold, the
// professional-judgement override, and refusal of broken definitions.
#include "protocol/riskchecklist.h"
#include "recordfixtures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace safeguard;
using protocol::ChecklistError;
using protocol::RiskChecklist;

namespace {

QJsonObject builtInDefinition()
{
    const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
    // The format-1 definition (version 1), which this file tests.
    return QJsonDocument::fromJson(registry.find(QStringLiteral("dash-2009"), 1)->canonicalJson())
        .object();
}

QByteArray toBytes(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

Q_DECLARE_METATYPE(ChecklistError)

class TestRiskChecklist : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_registry =
        protocol::RiskChecklistRegistry::withBuiltIns();
    // Version 1 (format 1, the partner order): old records score on it.
    const RiskChecklist &dash() const { return *m_registry.find(QStringLiteral("dash-2009"), 1); }

private slots:
    void builtInIsTheDefaultForDomesticAbuse()
    {
        // New records: the police DASH in the police order (version 2).
        const RiskChecklist *c = m_registry.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        QVERIFY(c);
        QCOMPARE(c->id(), QStringLiteral("dash-2009"));
        QCOMPARE(c->version(), 2);
        QCOMPARE(c->format(), 2);
        QCOMPARE(c->questions()[17].tag.isEmpty()
                     ? QString()
                     : c->questionByTag(QStringLiteral("strangulation"))->number,
                 QStringLiteral("18"));
        // Records begun on version 1 stay on it.
        QVERIFY(m_registry.find(QStringLiteral("dash-2009"), 1));
        QCOMPARE(dash().questions().size(), 27);
        QVERIFY(!m_registry.currentFor(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
    }

    void scoringAtEachThreshold_data()
    {
        QTest::addColumn<int>("yes");
        QTest::addColumn<int>("level");
        QTest::newRow("0 yes: standard") << 0 << int(v1::RISK_LEVEL_STANDARD);
        QTest::newRow("9 yes: standard (just under medium)") << 9 << int(v1::RISK_LEVEL_STANDARD);
        QTest::newRow("10 yes: medium (at threshold)") << 10 << int(v1::RISK_LEVEL_MEDIUM);
        QTest::newRow("13 yes: medium (just under high)") << 13 << int(v1::RISK_LEVEL_MEDIUM);
        QTest::newRow("14 yes: high (at threshold)") << 14 << int(v1::RISK_LEVEL_HIGH);
        QTest::newRow("27 yes: high") << 27 << int(v1::RISK_LEVEL_HIGH);
    }

    void scoringAtEachThreshold()
    {
        QFETCH(int, yes);
        QFETCH(int, level);
        v1::RiskAssessment a;
        testing::answerChecklist(&a, dash(), yes);
        const protocol::RiskScore s = dash().score(a);
        QCOMPARE(s.score, yes);
        QCOMPARE(int(s.scoredLevel), level);
        QCOMPARE(int(s.finalLevel), level);
        QVERIFY(s.complete());
        QVERIFY(!s.overrideApplied);
    }

    void notKnownScoresNothingButCountsAsAnswered()
    {
        v1::RiskAssessment a;
        testing::answerChecklist(&a, dash(), 14);
        a.mutable_answers(0)->set_answer(v1::ANSWER_NOT_KNOWN);
        const auto s = dash().score(a);
        QCOMPARE(s.score, 13);
        QCOMPARE(s.scoredLevel, v1::RISK_LEVEL_MEDIUM);
        QVERIFY(s.complete());
    }

    void unansweredAndUnknownQuestionsAreListed()
    {
        v1::RiskAssessment a;
        testing::answerChecklist(&a, dash(), 0);
        a.mutable_answers(2)->clear_answer();
        a.mutable_answers(26)->clear_answer();
        auto *extra = a.add_answers();
        extra->set_question_id("q99");
        extra->set_answer(v1::ANSWER_YES);
        const auto s = dash().score(a);
        QCOMPARE(s.unansweredQuestionIds,
                 (QStringList{QStringLiteral("q03"), QStringLiteral("q27")}));
        QCOMPARE(s.unknownQuestionIds, QStringList{QStringLiteral("q99")});
        QCOMPARE(s.score, 0); // an answer to a question the version lacks scores nothing
    }

    void professionalJudgementMayRaiseWithRationale()
    {
        v1::RiskAssessment a;
        testing::answerChecklist(&a, dash(), 5); // standard
        a.set_judgement_level(v1::RISK_LEVEL_HIGH);
        a.set_judgement_rationale("SYNTHETIC: strangulation disclosed, escalating");
        const auto s = dash().score(a);
        QCOMPARE(s.scoredLevel, v1::RISK_LEVEL_STANDARD);
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_HIGH);
        QVERIFY(s.overrideApplied);
        QVERIFY(s.overrideProblem.isEmpty());
    }

    void raiseWithoutRationaleIsNotApplied()
    {
        v1::RiskAssessment a;
        testing::answerChecklist(&a, dash(), 5);
        a.set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        const auto s = dash().score(a);
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_STANDARD);
        QVERIFY(!s.overrideApplied);
        QCOMPARE(s.overrideProblem, QStringLiteral("rationale_required"));
    }

    void judgementMayNotLowerUnderTheDefaultRule()
    {
        v1::RiskAssessment a;
        testing::answerChecklist(&a, dash(), 15); // high
        a.set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        a.set_judgement_rationale("SYNTHETIC: attempt to lower");
        const auto s = dash().score(a);
        QCOMPARE(s.finalLevel, v1::RISK_LEVEL_HIGH);
        QCOMPARE(s.overrideProblem, QStringLiteral("override_not_allowed"));
    }

    void aNewerVersionChangesThresholdsWithoutARelease()
    {
        QJsonObject def = builtInDefinition();
        def[QStringLiteral("version")] = 3; // 2 is the built-in police order
        def[QStringLiteral("thresholds")] = QJsonArray{
            QJsonObject{{QStringLiteral("level"), QStringLiteral("standard")},
                        {QStringLiteral("min_score"), 0}},
            QJsonObject{{QStringLiteral("level"), QStringLiteral("medium")},
                        {QStringLiteral("min_score"), 8}},
            QJsonObject{{QStringLiteral("level"), QStringLiteral("high")},
                        {QStringLiteral("min_score"), 12}},
        };
        QJsonObject override = def[QStringLiteral("override")].toObject();
        override[QStringLiteral("may_lower")] = true;
        def[QStringLiteral("override")] = override;
        auto loaded = RiskChecklist::fromJson(toBytes(def));
        QVERIFY(std::holds_alternative<RiskChecklist>(loaded));

        auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
        QVERIFY(!registry.add(std::get<RiskChecklist>(loaded)));
        const RiskChecklist *current = registry.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        QCOMPARE(current->version(), 3);
        QVERIFY(registry.find(QStringLiteral("dash-2009"), 1)); // old records still score on v1

        v1::RiskAssessment a;
        testing::answerChecklist(&a, *current, 12);
        QCOMPARE(current->score(a).scoredLevel, v1::RISK_LEVEL_HIGH);
        QCOMPARE(registry.find(QStringLiteral("dash-2009"), 1)->score(a).scoredLevel,
                 v1::RISK_LEVEL_MEDIUM);
        a.set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        a.set_judgement_rationale("SYNTHETIC: lowered under v3's rule");
        QCOMPARE(current->score(a).finalLevel, v1::RISK_LEVEL_MEDIUM);
    }

    void sameVersionWithOtherContentIsRefused()
    {
        QJsonObject def = builtInDefinition();
        def[QStringLiteral("title")] = QStringLiteral("Changed without a new version");
        auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
        const auto error =
            registry.add(std::get<RiskChecklist>(RiskChecklist::fromJson(toBytes(def))));
        QVERIFY(error);
        QCOMPARE(error->error, ChecklistError::VersionClash);
    }

    void brokenDefinitionsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<ChecklistError>("expected");
        const QJsonObject good = builtInDefinition();
        auto without = [&](const char *key) {
            QJsonObject o = good;
            o.remove(QLatin1String(key));
            return toBytes(o);
        };
        auto with = [&](const char *key, const QJsonValue &v) {
            QJsonObject o = good;
            o[QLatin1String(key)] = v;
            return toBytes(o);
        };

        QTest::newRow("not json") << QByteArray("{not json") << ChecklistError::NotJson;
        QTest::newRow("array") << QByteArray("[]") << ChecklistError::NotJson;
        QTest::newRow("unknown format")
            << with("format", QStringLiteral("other/9")) << ChecklistError::UnknownFormat;
        QTest::newRow("no id") << without("id") << ChecklistError::MissingField;
        QTest::newRow("bad id") << with("id", QStringLiteral("DASH 2009!"))
                                << ChecklistError::InvalidField;
        QTest::newRow("no version") << without("version") << ChecklistError::MissingField;
        QTest::newRow("version 0") << with("version", 0) << ChecklistError::InvalidField;
        QTest::newRow("fractional version") << with("version", 1.5) << ChecklistError::InvalidField;
        QTest::newRow("no title") << without("title") << ChecklistError::MissingField;
        QTest::newRow("no incident types") << without("applies_to") << ChecklistError::MissingField;
        QTest::newRow("unknown incident type")
            << with("applies_to", QJsonArray{QStringLiteral("burglary")})
            << ChecklistError::InvalidField;
        QTest::newRow("unknown scoring")
            << with("scoring", QJsonObject{{QStringLiteral("method"), QStringLiteral("vibes")}})
            << ChecklistError::InvalidField;
        QTest::newRow("no questions")
            << with("questions", QJsonArray{}) << ChecklistError::MissingField;
        QJsonArray dup = good[QStringLiteral("questions")].toArray();
        dup.append(dup.first());
        QTest::newRow("duplicate question")
            << with("questions", dup) << ChecklistError::DuplicateQuestion;
        QJsonArray negative = good[QStringLiteral("questions")].toArray();
        QJsonObject q = negative.first().toObject();
        q[QStringLiteral("weight")] = -1;
        negative[0] = q;
        QTest::newRow("negative weight")
            << with("questions", negative) << ChecklistError::InvalidField;
        QTest::newRow("no thresholds") << without("thresholds") << ChecklistError::MissingField;
        QTest::newRow("thresholds not from 0")
            << with("thresholds",
                    QJsonArray{QJsonObject{{QStringLiteral("level"), QStringLiteral("standard")},
                                           {QStringLiteral("min_score"), 1}}})
            << ChecklistError::BadThresholds;
        QTest::newRow("thresholds falling")
            << with("thresholds",
                    QJsonArray{QJsonObject{{QStringLiteral("level"), QStringLiteral("standard")},
                                           {QStringLiteral("min_score"), 0}},
                               QJsonObject{{QStringLiteral("level"), QStringLiteral("high")},
                                           {QStringLiteral("min_score"), 14}},
                               QJsonObject{{QStringLiteral("level"), QStringLiteral("medium")},
                                           {QStringLiteral("min_score"), 20}}})
            << ChecklistError::BadThresholds;
        QTest::newRow("unknown level")
            << with("thresholds",
                    QJsonArray{QJsonObject{{QStringLiteral("level"), QStringLiteral("extreme")},
                                           {QStringLiteral("min_score"), 0}}})
            << ChecklistError::BadThresholds;
        QTest::newRow("no override rule") << without("override") << ChecklistError::MissingField;
    }

    void brokenDefinitionsAreRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(ChecklistError, expected);
        const auto loaded = RiskChecklist::fromJson(json);
        QVERIFY(std::holds_alternative<protocol::ChecklistLoadError>(loaded));
        const auto &e = std::get<protocol::ChecklistLoadError>(loaded);
        QCOMPARE(e.error, expected);
        QVERIFY(!e.message.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRiskChecklist)
#include "tst_riskchecklist.moc"
