#include "formrows.h"

#include "fieldpath.h"
#include "protocol/applicability.h"
#include "protocol/derivedfacts.h"

#include <QDateTime>
#include <QRegularExpression>
#include <algorithm>

namespace safeguard::ui {

namespace {

QVariantList toVariant(const QList<FormChoice> &choices)
{
    QVariantList out;
    for (const FormChoice &c : choices)
        out << QVariantMap{{QStringLiteral("value"), c.value}, {QStringLiteral("label"), c.label}};
    return out;
}

} // namespace

QString FormRows::joinName(const std::string &given, const std::string &family)
{
    return QStringLiteral("%1 %2")
        .arg(QString::fromStdString(given), QString::fromStdString(family))
        .simplified();
}

int FormRows::keyedIndex(const v1::IncidentRecord &r, const QString &listPath, const FormField &f,
                         int key)
{
    const int n = fieldpath::count(r, listPath);
    for (int k = 0; k < n; ++k)
        if (fieldpath::get(r, QStringLiteral("%1[%2].%3").arg(listPath).arg(k).arg(f.keyField))
                .toInt() == key)
            return k;
    return -1;
}

QList<FormModel::Row> FormRows::rows(const FormSection &section, int child,
                                     const protocol::RecordIssues &recordIssues) const
{
    QList<FormModel::Row> rows;
    const QString base = child >= 0 ? QStringLiteral("children[%1].").arg(child) : QString();
    QHash<QString, QString> issues;
    for (const protocol::RecordIssue &i : recordIssues)
        issues.insert(rowPathFor(i.path), i.message);

    if (section.id == QLatin1String("risk")) {
        // Whom it is about and whether it could be asked; the questions;
        // then the rationale and the officer's judgement.
        const protocol::RiskChecklist *c = m_checklists.forRecord(m_record);
        bool asked = false;
        for (const FormField &f : section.fields) {
            if (!asked && (f.key == QLatin1String("risk.rationale") ||
                           f.key == QLatin1String("risk.judgement_level"))) {
                if (c)
                    appendRiskQuestions(*c, rows, issues);
                asked = true;
            }
            const bool formTwo = c && c->format() >= 2;
            if (!formTwo && (f.key == QLatin1String("risk.victim_id") ||
                             f.key == QLatin1String("risk.rationale")))
                continue; // a format-1 checklist names no victim and asks no rationale
            if (f.key == QLatin1String("risk.victim_id") && m_record.victim_ids_size() == 0)
                continue; // no victim marked yet (at the People step) to choose from
            appendRows(f, base, rows, issues);
        }
    } else {
        for (const FormField &f : section.fields)
            appendRows(f, base, rows, issues);
    }

    // An issue at a path with no row of its own (e.g. "identity.education")
    // shows on the first row inside it.
    for (const protocol::RecordIssue &issue : recordIssues) {
        const QString path = rowPathFor(issue.path);
        const protocol::RecordIssue i{path, issue.code, issue.message};
        if (!i.path.startsWith(base) || issues.value(i.path).isEmpty())
            continue;
        bool shown = false;
        for (const FormModel::Row &r : rows)
            shown = shown || r.path == i.path;
        for (int r = 0; !shown && r < rows.size(); ++r) {
            if (rows[r].path.startsWith(i.path + QLatin1Char('.')) && rows[r].issue.isEmpty()) {
                rows[r].issue = i.message;
                shown = true;
            }
        }
    }
    offerSameReasons(rows);
    return rows;
}

QString FormRows::riskAnswerPath(const protocol::RiskChecklist &c, int q)
{
    static const char *const suffix[] = {"answer", "choices", "frequency", "text"};
    return QStringLiteral("risk.answers[%1].%2")
        .arg(q)
        .arg(QLatin1String(suffix[int(c.questions()[q].type)]));
}

void FormRows::appendRiskQuestions(const protocol::RiskChecklist &c, QList<FormModel::Row> &rows,
                                   const QHash<QString, QString> &issues) const
{
    const v1::RiskAssessment &risk = m_record.risk();
    if (risk.declined() || risk.not_safe_to_ask())
        return; // not asked: the outcome says why
    // What is shown is what is scored: the children's answers read in.
    const v1::RiskAssessment answers = c.assessmentOf(m_record);
    const bool fromChildren = protocol::RiskChecklist::hasBornChildren(m_record);
    QString section;
    for (int q = 0; q < c.questions().size(); ++q) {
        const protocol::RiskQuestion &question = c.questions()[q];
        if (!c.isAsked(question, answers))
            continue; // a follow-up until its question calls for it
        if (c.format() >= 2 && question.section != section) {
            // Each section, and each follow-up set, under its own title
            // (which says which answer opened it).
            section = question.section;
            FormModel::Row heading;
            heading.path = QStringLiteral("risk.section:%1").arg(q);
            heading.kind = FieldKind::Heading;
            heading.label = section;
            heading.sensitive = false;
            rows << heading;
        }
        FormModel::Row row;
        row.path = riskAnswerPath(c, q);
        row.label = question.number.isEmpty()
                        ? question.text
                        : QStringLiteral("%1. %2").arg(question.number, question.text);
        row.sensitive = false;
        row.issue = issues.value(row.path);
        if (!question.onChild.isEmpty() && fromChildren) {
            // Each child answers it on their own step; shown, not asked twice.
            row.kind = FieldKind::Note;
            QStringList said;
            for (int k = 0; k < m_record.children_size(); ++k) {
                const v1::ChildObservation &child = m_record.children(k);
                if (child.identity().unborn())
                    continue;
                const v1::Answer a = question.onChild == QLatin1String("suspect_ever_threatened")
                                         ? child.suspect_ever_threatened()
                                         : child.suspect_ever_hurt();
                QString name =
                    joinName(child.identity().given_names(), child.identity().family_name());
                if (name.isEmpty())
                    name = tr("Child %1").arg(k + 1);
                said << tr("%1: %2").arg(name, a == v1::ANSWER_YES         ? tr("yes")
                                               : a == v1::ANSWER_NO        ? tr("no")
                                               : a == v1::ANSWER_NOT_KNOWN ? tr("not known")
                                                                           : tr("not answered"));
            }
            // One child a line: a name is long, and each answer must read at a glance.
            row.help = tr("Answered on each child's step:\n%1").arg(said.join(u'\n'));
            rows << row;
            continue;
        }
        QList<FormChoice> choices;
        switch (question.type) {
        case protocol::RiskAnswerType::YesNo:
            row.kind = FieldKind::Choice;
            choices = {{v1::ANSWER_YES, tr("Yes")}, {v1::ANSWER_NO, tr("No")}};
            if (question.notKnownAllowed)
                choices << FormChoice{v1::ANSWER_NOT_KNOWN, tr("Not known")};
            row.choices = toVariant(choices);
            break;
        case protocol::RiskAnswerType::Frequency:
            row.kind = FieldKind::Choice;
            choices = {{v1::RISK_FREQUENCY_NEVER, tr("Never")},
                       {v1::RISK_FREQUENCY_ONCE, tr("Once")},
                       {v1::RISK_FREQUENCY_SOMETIMES, tr("Sometimes")},
                       {v1::RISK_FREQUENCY_OFTEN, tr("Often")}};
            if (question.notKnownAllowed)
                choices << FormChoice{v1::RISK_FREQUENCY_NOT_KNOWN, tr("Not known")};
            row.choices = toVariant(choices);
            break;
        case protocol::RiskAnswerType::Choices:
            row.kind = FieldKind::Options;
            for (const protocol::RiskOption &o : question.options)
                row.choices << QVariantMap{{QStringLiteral("value"), o.key},
                                           {QStringLiteral("label"), o.label}};
            if (question.notKnownAllowed)
                row.choices << QVariantMap{{QStringLiteral("value"), QStringLiteral("not_known")},
                                           {QStringLiteral("label"), tr("Not known")}};
            break;
        case protocol::RiskAnswerType::Text:
            row.kind = FieldKind::Text;
            row.help = tr("Up to %n character(s)", nullptr, question.maxLength);
            row.sensitive = true; // the victim's words
            break;
        }
        row.value = fieldpath::get(m_record, row.path);
        rows << row;
    }
}

void FormRows::offerSameReasons(QList<FormModel::Row> &rows) const
{
    // Not spoken to, and why; their words not recorded, and why: for a
    // child not seen (asleep) or not spoken to (pre-verbal) the second
    // answer is usually the first. Offered, never assumed.
    static const QRegularExpression later(QStringLiteral(
        "^(children\\[\\d+\\]\\.)(spoken_to\\.reason_if_no|voice\\.not_recorded_reason)$"));
    // Offered whatever this answer holds (chosen, typed over or empty), so
    // the button never comes and goes under the officer's finger.
    for (FormModel::Row &row : rows) {
        const auto m = later.match(row.path);
        if (!m.hasMatch())
            continue;
        const QString base = m.captured(1);
        const QString earlier = m.captured(2) == QLatin1String("spoken_to.reason_if_no")
                                    ? QStringLiteral("seen")
                                    : QStringLiteral("spoken_to");
        if (fieldpath::get(m_record, base + earlier + QStringLiteral(".answer")).toInt() !=
            int(v1::ANSWER_NO))
            continue;
        const QString reason =
            fieldpath::get(m_record, base + earlier + QStringLiteral(".reason_if_no")).toString();
        if (!reason.trimmed().isEmpty())
            row.sameReason = reason;
    }
}

bool FormRows::fieldApplies(const FormField &field, const QString &base) const
{
    // Which question applies to which incident and child is the shared
    // table's to say (the validator and the hub read the same one).
    const v1::IncidentType type = m_record.incident().type();
    static const QRegularExpression childBase(QStringLiteral("^children\\[(\\d+)\\]\\.(.*)$"));
    const QRegularExpressionMatch m = childBase.match(base + field.key);
    if (m.hasMatch()) {
        const int index = m.captured(1).toInt();
        if (index < m_record.children_size() &&
            !protocol::Applicability::appliesToChild(
                m.captured(2), type, protocol::ChildFacts::of(m_record, m_record.children(index))))
            return false;
    } else if (!protocol::Applicability::appliesToIncident(base + field.key, type)) {
        return false;
    }
    if (field.whenKey.isEmpty())
        return true;
    const QVariant v = fieldpath::get(m_record, base + field.whenKey);
    for (const QVariant &w : field.whenIn) {
        if (w.typeId() == QMetaType::Bool ? v.toBool() == w.toBool() : v.toInt() == w.toInt())
            return true;
    }
    return false;
}

QVariantList FormRows::personChoices(const FormField &field, const QString &path) const
{
    // The adults, then (where a child can be meant) the children of 16 or
    // 17; an id already chosen stays listed so it can be unticked.
    const QVariant current = fieldpath::get(m_record, path);
    const QStringList chosen = current.typeId() == QMetaType::QStringList
                                   ? current.toStringList()
                                   : QStringList{current.toString()};
    QVariantList out;
    auto add = [&](const std::string &id, const QString &label) {
        out << QVariantMap{{QStringLiteral("value"), QString::fromStdString(id)},
                           {QStringLiteral("label"), label}};
    };
    if (path == QLatin1String("risk.victim_id")) {
        // One of the victims (an adult, or a child of 16 or 17).
        for (const std::string &id : m_record.victim_ids()) {
            QString label = personLabel(id);
            for (int c = 0; label.isEmpty() && c < m_record.children_size(); ++c)
                if (m_record.children(c).child_id() == id)
                    label = joinName(m_record.children(c).identity().given_names(),
                                     m_record.children(c).identity().family_name());
            add(id, label.isEmpty() ? tr("A victim") : label);
        }
        return out;
    }
    for (int i = 0; i < m_record.people_size(); ++i) {
        const v1::Person &p = m_record.people(i);
        const QString name = joinName(p.given_names(), p.family_name());
        add(p.person_id(), name.isEmpty() ? tr("Adult %1").arg(i + 1) : name);
    }
    const QDate on = protocol::derived::incidentDate(m_record);
    for (int c = 0; c < m_record.children_size(); ++c) {
        const v1::ChildObservation &child = m_record.children(c);
        const auto age = protocol::derived::ageInYears(child.identity(), on);
        const bool older = age && *age >= 16 && *age <= protocol::derived::kSchoolAgeTo;
        if (!(field.withOlderChildren && older) &&
            !chosen.contains(QString::fromStdString(child.child_id())))
            continue;
        if (path.startsWith(QStringLiteral("children[%1].").arg(c)))
            continue; // never the child themself
        const QString name =
            joinName(child.identity().given_names(), child.identity().family_name());
        add(child.child_id(), tr("%1 (child, %2)")
                                  .arg(name.isEmpty() ? tr("Child %1").arg(c + 1) : name)
                                  .arg(age ? QString::number(*age) : tr("age not known")));
    }
    return out;
}

QString FormRows::personLabel(const std::string &personId) const
{
    for (int i = 0; i < m_record.people_size(); ++i) {
        const v1::Person &p = m_record.people(i);
        if (p.person_id() != personId)
            continue;
        QString label = joinName(p.given_names(), p.family_name());
        if (label.isEmpty())
            label = tr("Adult %1").arg(i + 1);
        QStringList roles;
        if (std::find(m_record.victim_ids().begin(), m_record.victim_ids().end(), personId) !=
            m_record.victim_ids().end())
            roles << tr("victim");
        if (std::find(m_record.suspect_ids().begin(), m_record.suspect_ids().end(), personId) !=
            m_record.suspect_ids().end())
            roles << tr("suspect");
        return roles.isEmpty() ? label : tr("%1 (%2)").arg(label, roles.join(QStringLiteral(", ")));
    }
    return QString();
}

void FormRows::appendRows(const FormField &field, const QString &base, QList<FormModel::Row> &rows,
                          const QHash<QString, QString> &issues) const
{
    if (!fieldApplies(field, base))
        return;
    const QString path = base + field.key;
    FormModel::Row row;
    row.path = path;
    row.kind = field.kind;
    row.label = field.labelAt(m_record.incident().type());
    row.help = field.helpAt(m_record.incident().type());
    row.choices = toVariant(field.choices);
    row.sensitive = field.sensitive;
    row.issue = issues.value(path);
    if (field.perPerson) {
        // One heading per adult, then the questions about this child and them.
        if (m_record.people_size() == 0) {
            row.help = tr("No adults are recorded yet. Add them at the People step, and each "
                          "child's relationship to each is asked here.");
            rows << row;
            return;
        }
        rows << row;
        const int n = fieldpath::count(m_record, path);
        for (int k = 0; k < n; ++k) {
            const QString item = QStringLiteral("%1[%2]").arg(path).arg(k);
            const std::string id = fieldpath::get(m_record, item + QStringLiteral(".person_id"))
                                       .toString()
                                       .toStdString();
            const QString who = personLabel(id);
            if (who.isEmpty())
                continue; // not one of the adults (another child)
            FormModel::Row heading;
            heading.path = item;
            heading.kind = FieldKind::Heading;
            heading.label = who;
            heading.sensitive = false;
            heading.issue = issues.value(item + QStringLiteral(".person_id"));
            rows << heading;
            for (const FormField &sub : field.itemFields)
                appendRows(sub, item + QLatin1Char('.'), rows, issues);
        }
        return;
    }
    if (!field.keyField.isEmpty()) {
        // One row per choice, answered with how the officer knows.
        rows << row;
        for (const FormChoice &c : field.choices) {
            FormModel::Row item;
            item.path = QStringLiteral("%1@%2").arg(path).arg(c.value);
            item.kind = FieldKind::Choice;
            item.label = c.label;
            item.choices = toVariant(field.itemChoices);
            item.sensitive = false;
            const int k = keyedIndex(m_record, path, field, c.value);
            item.value =
                k < 0 ? 0
                      : fieldpath::get(
                            m_record,
                            QStringLiteral("%1[%2].%3").arg(path).arg(k).arg(field.valueField));
            item.issue = issues.value(item.path);
            rows << item;
        }
        return;
    }
    if (field.kind == FieldKind::PersonChoice)
        row.choices = personChoices(field, path);
    if (field.kind == FieldKind::PersonRoles) {
        // The person's or child's part: victim, suspect (domestic abuse).
        if (!protocol::Applicability::appliesToIncident(u"victim_ids", m_record.incident().type()))
            return;
        // (Not a structured binding: clang 14 cannot capture one.)
        const std::pair<std::string, int> who = subjectOf(base);
        const std::string subject = who.first;
        const int child = who.second;
        if (subject.empty())
            return;
        const auto has = [&](const auto &ids) {
            return std::find(ids.begin(), ids.end(), subject) != ids.end();
        };
        QVariantList held;
        if (has(m_record.victim_ids()))
            held << 0;
        if (has(m_record.suspect_ids()))
            held << 1;
        if (child >= 0 && held.isEmpty()) {
            // Asked of a child only at 16 or 17.
            const auto age = protocol::derived::ageInYears(
                m_record.children(child).identity(), protocol::derived::incidentDate(m_record));
            if (!age || *age < 16 || *age > protocol::derived::kSchoolAgeTo)
                return;
        }
        row.subject = QString::fromStdString(subject);
        row.value = held;
        row.issue = issues.value(path);
        rows << row;
        return;
    }
    if (field.kind == FieldKind::ListHeader) {
        const int n = fieldpath::count(m_record, path);
        row.listPath = path;
        row.value = n; // the heading's own "add" is for the first entry
        rows << row;
        for (int k = 0; k < n; ++k) {
            FormModel::Row item;
            item.path = QStringLiteral("%1[%2]").arg(path).arg(k);
            item.kind = FieldKind::ListItem;
            item.label = tr("%1: entry %2").arg(row.label).arg(k + 1);
            if (path == QLatin1String("people")) {
                const QString name = personLabel(m_record.people(k).person_id());
                item.label = tr("Adult %1: %2").arg(k + 1).arg(name);
            }
            item.listPath = path;
            item.listIndex = k;
            item.sensitive = false;
            rows << item;
            for (const FormField &sub : field.itemFields)
                appendRows(sub, item.path + QLatin1Char('.'), rows, issues);
        }
        if (n > 0) {
            // The next one is added under the last, where the officer is.
            FormModel::Row more;
            more.path = path + QLatin1Char('+');
            more.kind = FieldKind::ListAdd;
            more.label = row.label;
            more.listPath = path;
            more.sensitive = false;
            rows << more;
        }
        return;
    }
    row.value = fieldpath::get(m_record, path);
    // Dates read the way they are typed here: day/month/year.
    if (field.kind == FieldKind::Date && !row.value.toString().isEmpty())
        row.value = QDate::fromString(row.value.toString(), Qt::ISODate)
                        .toString(QStringLiteral("dd/MM/yyyy"));
    else if (field.kind == FieldKind::DateTime && !row.value.toString().isEmpty())
        row.value = QDateTime::fromString(row.value.toString(), QStringLiteral("yyyy-MM-dd HH:mm"))
                        .toString(QStringLiteral("dd/MM/yyyy HH:mm"));
    rows << row;
}

std::pair<std::string, int> FormRows::subjectOf(const QString &base) const
{
    static const QRegularExpression entry(QStringLiteral("^(people|children)\\[(\\d+)\\]\\.$"));
    const auto m = entry.match(base);
    if (!m.hasMatch())
        return {std::string(), -1};
    const int i = m.captured(2).toInt();
    if (m.captured(1) == QLatin1String("people"))
        return {i < m_record.people_size() ? m_record.people(i).person_id() : std::string(), -1};
    if (i >= m_record.children_size())
        return {std::string(), -1};
    return {m_record.children(i).child_id(), i};
}

QString FormRows::rowPathFor(const QString &issuePath) const
{
    // A victim or suspect: their part in the incident; a suspect's missing
    // age, their date of birth.
    static const QRegularExpression party(QStringLiteral("^(victim|suspect)_ids\\[(\\d+)\\]$"));
    if (const auto m = party.match(issuePath); m.hasMatch()) {
        const bool suspect = m.captured(1) == QLatin1String("suspect");
        const int i = m.captured(2).toInt();
        const auto &ids = suspect ? m_record.suspect_ids() : m_record.victim_ids();
        if (i >= ids.size())
            return issuePath;
        for (int k = 0; k < m_record.people_size(); ++k)
            if (m_record.people(k).person_id() == ids.Get(i))
                return suspect ? QStringLiteral("people[%1].date_of_birth").arg(k)
                               : QStringLiteral("people[%1].@roles").arg(k);
        for (int c = 0; c < m_record.children_size(); ++c)
            if (m_record.children(c).child_id() == ids.Get(i))
                return QStringLiteral("children[%1].@roles").arg(c);
        return issuePath;
    }
    // A risk question, named by its id: its row, by the question's place
    // in the checklist the record is answered on.
    static const QRegularExpression risk(QStringLiteral("^risk\\.answers\\[([A-Za-z0-9_-]+)\\]$"));
    if (const auto m = risk.match(issuePath); m.hasMatch()) {
        if (const protocol::RiskChecklist *c = m_checklists.forRecord(m_record))
            for (int q = 0; q < c->questions().size(); ++q)
                if (c->questions()[q].id == m.captured(1))
                    return riskAnswerPath(*c, q);
        return issuePath;
    }
    // An entry of a keyed list (an indicator's provenance): its row.
    static const QRegularExpression keyed(
        QStringLiteral("^(children\\[\\d+\\]\\.)([a-z_]+)\\[(\\d+)\\](\\..*)?$"));
    if (const auto m = keyed.match(issuePath); m.hasMatch()) {
        if (const FormField *f = RecordForm::keyedField(m.captured(2))) {
            const QString list = m.captured(1) + m.captured(2);
            const QString key = QStringLiteral("%1[%2].%3").arg(list, m.captured(3), f->keyField);
            return QStringLiteral("%1@%2").arg(list).arg(fieldpath::get(m_record, key).toInt());
        }
    }
    return issuePath;
}

} // namespace safeguard::ui
