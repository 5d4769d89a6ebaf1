#include "concern.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>

namespace safeguard::hub::picture {

namespace {

// Every rule the engine knows, with the parameters each takes.
const QHash<QString, QStringList> &knownRules()
{
    static const QHash<QString, QStringList> rules{
        {QStringLiteral("grade_or_frequency"),
         {QStringLiteral("grades"), QStringLiteral("reports"), QStringLiteral("within_days")}},
        {QStringLiteral("under_five_at_domestic_abuse"), {QStringLiteral("under_age")}},
        {QStringLiteral("not_seen_or_not_spoken_to"), {}},
        {QStringLiteral("never_spoken_to_alone"), {QStringLiteral("reports")}},
        {QStringLiteral("repeat_address"), {QStringLiteral("reports")}},
        {QStringLiteral("repeat_suspect"), {QStringLiteral("reports")}},
        {QStringLiteral("victim_escalation"),
         {QStringLiteral("incidents"), QStringLiteral("within_days")}},
        {QStringLiteral("rising_aces"), {QStringLiteral("categories")}},
        {QStringLiteral("no_notice"), {QStringLiteral("received_after_hours")}},
    };
    return rules;
}

QList<Report> inTimeOrder(QList<Report> reports)
{
    std::stable_sort(reports.begin(), reports.end(), [](const Report &a, const Report &b) {
        return a.occurredUtc < b.occurredUtc;
    });
    return reports;
}

QStringList evidenceOf(const QList<Report> &reports)
{
    QStringList out;
    for (const Report &r : reports)
        out << r.evidence();
    return out;
}

QString countOf(qsizetype reports)
{
    return reports == 1 ? QStringLiteral("1 report") : QStringLiteral("%1 reports").arg(reports);
}

bool present(v1::Presence p)
{
    return p == v1::PRESENCE_IN_THE_ROOM || p == v1::PRESENCE_ELSEWHERE_IN_THE_HOME;
}

QString gradeKey(v1::Grade g)
{
    switch (g) {
    case v1::GRADE_RED:
        return QStringLiteral("red");
    case v1::GRADE_AMBER:
        return QStringLiteral("amber");
    case v1::GRADE_GREEN:
        return QStringLiteral("green");
    default:
        return QString();
    }
}

QString indicatorName(int indicator)
{
    const std::string &name = v1::Indicator_Name(v1::Indicator(indicator));
    return name.empty() ? QString::number(indicator)
                        : QString::fromStdString(name).mid(10).toLower(); // "INDICATOR_"
}

// The first window of `days` that holds `count` reports, or none.
QList<Report> denseWindow(const QList<Report> &ordered, int count, int days)
{
    for (int i = 0; i + count <= ordered.size(); ++i) {
        const Report &first = ordered[i];
        const Report &last = ordered[i + count - 1];
        if (first.occurredUtc.daysTo(last.occurredUtc) <= days)
            return ordered.mid(i, count);
    }
    return {};
}

} // namespace

QString Report::evidence() const
{
    return QStringLiteral("%1 v%2").arg(recordId).arg(version);
}

QJsonObject TriggeredRule::toJson() const
{
    return {{QStringLiteral("rule"), rule},
            {QStringLiteral("rules_version"), rulesVersion},
            {QStringLiteral("explanation"), explanation},
            {QStringLiteral("evidence"), QJsonArray::fromStringList(evidence)}};
}

std::optional<ConcernRules> ConcernRules::fromJson(const QByteArray &json, QString *error)
{
    auto fail = [&](const QString &m) {
        if (error)
            *error = m;
        return std::nullopt;
    };
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return fail(QStringLiteral("the rules file is not a JSON object"));
    const QJsonObject root = doc.object();
    for (auto it = root.begin(); it != root.end(); ++it)
        if (!QStringList{QStringLiteral("format"), QStringLiteral("version"),
                         QStringLiteral("comment"), QStringLiteral("rules")}
                 .contains(it.key()))
            return fail(QStringLiteral("unknown key \"%1\"").arg(it.key()));
    if (root.value(QLatin1String("format")).toInt() != 1)
        return fail(QStringLiteral("format must be 1"));
    ConcernRules r;
    r.m_version = root.value(QLatin1String("version")).toString();
    if (r.m_version.isEmpty())
        return fail(QStringLiteral("the rules need a version (it is recorded with every "
                                   "triggered rule)"));
    const QJsonObject rules = root.value(QLatin1String("rules")).toObject();
    for (auto it = rules.begin(); it != rules.end(); ++it) {
        const auto known = knownRules().constFind(it.key());
        if (known == knownRules().cend())
            return fail(QStringLiteral("unknown rule \"%1\"").arg(it.key()));
        const QJsonObject params = it.value().toObject();
        for (auto p = params.begin(); p != params.end(); ++p) {
            if (!known->contains(p.key()))
                return fail(
                    QStringLiteral("rule %1: unknown parameter \"%2\"").arg(it.key(), p.key()));
            if (p.key() != QLatin1String("grades") &&
                (!p.value().isDouble() || p.value().toInt() < 1))
                return fail(QStringLiteral("rule %1: %2 must be a whole number of at least 1")
                                .arg(it.key(), p.key()));
        }
        for (const QJsonValue &g : params.value(QLatin1String("grades")).toArray())
            if (!QStringList{QStringLiteral("red"), QStringLiteral("amber"),
                             QStringLiteral("green")}
                     .contains(g.toString()))
                return fail(
                    QStringLiteral("rule %1: a grade is red, amber or green").arg(it.key()));
        r.m_rules.insert(it.key(), params);
    }
    return r;
}

const ConcernRules &ConcernRules::builtIn()
{
    static const ConcernRules rules = [] {
        QFile f(QStringLiteral(":/safeguard/picture/concern-rules.json"));
        QString error;
        std::optional<ConcernRules> parsed;
        if (f.open(QIODevice::ReadOnly))
            parsed = fromJson(f.readAll(), &error);
        Q_ASSERT_X(parsed, "ConcernRules::builtIn", qPrintable(error));
        return parsed ? *parsed : ConcernRules();
    }();
    return rules;
}

QByteArray ConcernRules::fingerprint() const
{
    QStringList names = m_rules.keys();
    names.sort();
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(m_version.toUtf8());
    for (const QString &n : names) {
        h.addData(QByteArrayView("\n"));
        h.addData(n.toUtf8());
        h.addData(QJsonDocument(m_rules.value(n)).toJson(QJsonDocument::Compact));
    }
    return m_version.toUtf8().toPercentEncoding() + ':' + h.result().toHex();
}

QList<TriggeredRule> ConcernRules::evaluateChild(const QList<Report> &history,
                                                 const Neighbourhood &neighbourhood) const
{
    QList<TriggeredRule> out;
    const QList<Report> ordered = inTimeOrder(history);
    auto fire = [&](const QString &rule, const QString &why, const QStringList &evidence) {
        out.append({rule, m_version, why, evidence});
    };
    auto param = [&](const QString &rule, const char *key, int fallback) {
        return m_rules.value(rule).value(QLatin1String(key)).toInt(fallback);
    };
    QList<Report> born;
    for (const Report &r : ordered)
        if (!r.unborn)
            born << r;

    if (m_rules.contains(QStringLiteral("grade_or_frequency"))) {
        const QString id = QStringLiteral("grade_or_frequency");
        QStringList grades;
        for (const QJsonValue &g : m_rules.value(id).value(QLatin1String("grades")).toArray())
            grades << g.toString();
        QList<Report> graded;
        for (const Report &r : ordered)
            if (grades.contains(gradeKey(r.grade)))
                graded << r;
        const int count = param(id, "reports", 3);
        const int days = param(id, "within_days", 90);
        const QList<Report> window = denseWindow(ordered, count, days);
        QStringList why;
        QStringList evidence = evidenceOf(graded);
        if (!graded.isEmpty())
            why << QStringLiteral("%1 graded %2")
                       .arg(countOf(graded.size()), grades.join(QStringLiteral(" or ")));
        if (!window.isEmpty()) {
            why << QStringLiteral("%1 reports within %2 days").arg(count).arg(days);
            for (const QString &e : evidenceOf(window))
                if (!evidence.contains(e))
                    evidence << e;
        }
        if (!why.isEmpty())
            fire(id, why.join(QStringLiteral("; ")), evidence);
    }
    if (m_rules.contains(QStringLiteral("under_five_at_domestic_abuse"))) {
        const QString id = QStringLiteral("under_five_at_domestic_abuse");
        const int under = param(id, "under_age", 5);
        QList<Report> hits;
        for (const Report &r : born)
            if (r.type == v1::INCIDENT_TYPE_DOMESTIC_ABUSE && r.ageYears && *r.ageYears < under &&
                present(r.presence))
                hits << r;
        if (!hits.isEmpty())
            fire(id, QStringLiteral("under %1 and present at domestic abuse").arg(under),
                 evidenceOf(hits));
    }
    if (m_rules.contains(QStringLiteral("not_seen_or_not_spoken_to"))) {
        QList<Report> hits;
        for (const Report &r : born)
            if (r.seen == v1::ANSWER_NO || r.spokenTo == v1::ANSWER_NO)
                hits << r;
        if (!hits.isEmpty())
            fire(QStringLiteral("not_seen_or_not_spoken_to"),
                 QStringLiteral("not seen or not spoken to on %1").arg(countOf(hits.size())),
                 evidenceOf(hits));
    }
    if (m_rules.contains(QStringLiteral("never_spoken_to_alone"))) {
        const int count = param(QStringLiteral("never_spoken_to_alone"), "reports", 2);
        bool ever = false;
        for (const Report &r : born)
            ever = ever || r.spokenToAlone == v1::ANSWER_YES;
        if (!ever && born.size() >= count)
            fire(QStringLiteral("never_spoken_to_alone"),
                 QStringLiteral("never spoken to alone across %1 reports").arg(born.size()),
                 evidenceOf(born));
    }
    auto repeat = [&](const QString &id, const QHash<QString, QSet<QString>> &index,
                      const std::function<QStringList(const Report &)> &keysOf, const char *what) {
        if (!m_rules.contains(id))
            return;
        const int count = param(id, "reports", 2);
        QStringList evidence;
        QStringList keysHit;
        for (const Report &r : ordered)
            for (const QString &key : keysOf(r)) {
                const QSet<QString> reports = index.value(key);
                if (key.isEmpty() || reports.size() < count || keysHit.contains(key))
                    continue;
                keysHit << key;
                QStringList sorted(reports.begin(), reports.end());
                sorted.sort();
                for (const QString &e : sorted)
                    if (!evidence.contains(e))
                        evidence << e;
            }
        if (!evidence.isEmpty())
            fire(id,
                 QStringLiteral("%1 in %2 reports").arg(QLatin1String(what)).arg(evidence.size()),
                 evidence);
    };
    repeat(
        QStringLiteral("repeat_address"), neighbourhood.reportsAtAddress,
        [](const Report &r) { return QStringList{r.addressKey}; }, "the same address");
    repeat(
        QStringLiteral("repeat_suspect"), neighbourhood.reportsWithSuspect,
        [](const Report &r) { return r.suspectKeys; }, "the same suspect");

    if (m_rules.contains(QStringLiteral("rising_aces"))) {
        const int threshold = param(QStringLiteral("rising_aces"), "categories", 4);
        QSet<int> seen;
        QList<Report> contributing;
        for (const Report &r : ordered) {
            QList<int> added;
            for (int c : r.aceCategories)
                if (!seen.contains(c))
                    added << c;
            if (added.isEmpty())
                continue;
            std::sort(added.begin(), added.end());
            const int before = int(seen.size());
            for (int c : added)
                seen.insert(c);
            contributing << r;
            if (int(seen.size()) < threshold)
                continue;
            QStringList names;
            for (int c : added)
                names << indicatorName(c);
            // Reaching the threshold names every report that added one;
            // each later new category names the report that added it.
            fire(QStringLiteral("rising_aces"),
                 QStringLiteral("%1 distinct ACE categories (new: %2)")
                     .arg(seen.size())
                     .arg(names.join(QStringLiteral(", "))),
                 before < threshold ? evidenceOf(contributing) : QStringList{r.evidence()});
        }
    }
    if (m_rules.contains(QStringLiteral("no_notice"))) {
        const int hours = param(QStringLiteral("no_notice"), "received_after_hours", 24);
        QList<Report> hits;
        for (const Report &r : born) {
            if (!r.receivedUtc.isValid() || !r.occurredUtc.isValid() ||
                r.occurredUtc.secsTo(r.receivedUtc) <= qint64(hours) * 3600)
                continue;
            if (r.protectionNotice != v1::ANSWER_YES ||
                (r.encompassInScope && r.encompassNotice != v1::ANSWER_YES))
                hits << r;
        }
        if (!hits.isEmpty())
            fire(QStringLiteral("no_notice"),
                 QStringLiteral("received more than %1 hours after the incident with no notice "
                                "made")
                     .arg(hours),
                 evidenceOf(hits));
    }
    return out;
}

QList<TriggeredRule> ConcernRules::evaluateVictim(const QList<Report> &history) const
{
    QList<TriggeredRule> out;
    const QString id = QStringLiteral("victim_escalation");
    if (!m_rules.contains(id))
        return out;
    const int count = m_rules.value(id).value(QLatin1String("incidents")).toInt(3);
    const int days = m_rules.value(id).value(QLatin1String("within_days")).toInt(365);
    QList<Report> abuse;
    for (const Report &r : inTimeOrder(history))
        if (r.type == v1::INCIDENT_TYPE_DOMESTIC_ABUSE)
            abuse << r;
    const QList<Report> window = denseWindow(abuse, count, days);
    if (!window.isEmpty())
        out.append({id, m_version,
                    QStringLiteral("%1 domestic abuse incidents within %2 days: potential "
                                   "escalation (a MARAC criterion)")
                        .arg(count)
                        .arg(days),
                    evidenceOf(window)});
    return out;
}

} // namespace safeguard::hub::picture
