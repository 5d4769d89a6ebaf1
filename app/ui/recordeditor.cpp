#include "recordeditor.h"

#include "fieldpath.h"
#include "formrows.h"
#include "protocol/applicability.h"
#include "protocol/derivedfacts.h"
#include "protocol/formmigration.h"
#include "protocol/recorddefaults.h"
#include "recordlistmodel.h"

#include <QRegularExpression>
#include <QSet>
#include <QUuid>
#include <limits>
#include <utility>

namespace safeguard::ui {

namespace {

std::string newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
}

// Holds an answer: text, a choice, a ticked box, a date, a list.
bool isAnswered(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::Bool:
        return v.toBool();
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
        return v.toLongLong() != 0;
    case QMetaType::QStringList:
        return !v.toStringList().isEmpty();
    case QMetaType::QVariantList:
        return !v.toList().isEmpty();
    default:
        return v.isValid() && !v.toString().isEmpty();
    }
}

// "children[2].indicator_details@5" -> ("children[2].indicator_details", 5).
std::optional<std::pair<QString, int>> keyedPath(const QString &path)
{
    const qsizetype at = path.lastIndexOf(QLatin1Char('@'));
    if (at < 0)
        return std::nullopt;
    bool ok = false;
    const int key = path.mid(at + 1).toInt(&ok);
    if (!ok)
        return std::nullopt;
    return std::pair{path.left(at), key};
}

// The list's own key, without the child's base ("indicator_details").
QString lastKey(const QString &listPath)
{
    return listPath.mid(listPath.lastIndexOf(QLatin1Char('.')) + 1);
}

} // namespace

RecordEditor::RecordEditor(AppSession &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_resume(session.resumeFilePath())
    , m_checklists(session.checklists())
    , m_validator(m_checklists)
{
    m_autosave.setSingleShot(true);
    m_autosave.setInterval(kAutosaveMs);
    connect(&m_autosave, &QTimer::timeout, this, &RecordEditor::saveNow);
    // Locking, hiding and quitting all pass through aboutToLock: save first,
    // then drop the record from memory.
    // The record that was open comes back after unlock, where the officer
    // was (its id is kept in memory only, never on disk).
    connect(&m_session, &AppSession::aboutToLock, this, [this] {
        m_reopenAfterUnlock = active() && !canDelete() ? m_recordId : QString();
        close();
    });
    connect(&m_session, &AppSession::unlocked, this, [this] {
        const QString id = std::exchange(m_reopenAfterUnlock, QString());
        if (!id.isEmpty() && !active())
            open(id);
    });
}

// ------------------------------------------------------------- lifecycle

bool RecordEditor::startNew()
{
    if (!m_session.recordStore())
        return false;
    close();
    v1::IncidentRecord r = protocol::defaults::newDraft(newId(), m_session.clock());
    // Saved before it is shown, so the home list already holds it.
    if (const store::StoreError e = m_session.recordStore()->saveDraft(r); e) {
        m_saveError = tr("Not saved: %1").arg(e.message);
        emit saveStateChanged();
        return false;
    }
    load(std::move(r), 0);
    rememberStep();
    return true;
}

bool RecordEditor::open(const QString &recordId)
{
    store::RecordStore *store = m_session.recordStore();
    if (!store)
        return false;
    auto state = store->recordState(recordId);
    if (!state || state.value().status == protocol::RecordStatus::Purged)
        return false; // only its receipt is left on the device
    auto loaded = store->load(recordId);
    if (!loaded)
        return false;
    close();
    m_state = state.value();
    if (!protocol::canEdit(m_state.status)) {
        // Submitted: read as it was sent (never migrated), from its review.
        m_readOnly = true;
        load(std::move(loaded.value()), std::numeric_limits<int>::max());
        return true;
    }
    v1::IncidentRecord record = loaded.value();
    // A draft begun on an older form is finished on the current one: its
    // answers move to where the current form asks them (FormMigration), and
    // the migrated draft is saved at once. Its steps differ, so it opens at
    // the start.
    const bool migrated = protocol::FormMigration::toCurrentForm(record, newId);
    load(std::move(record), migrated ? 0 : m_resume.stepOf(recordId));
    if (migrated) {
        m_dirty = true;
        saveNow();
    }
    return true;
}

void RecordEditor::load(v1::IncidentRecord record, int step)
{
    m_record = std::move(record);
    m_recordId = QString::fromStdString(m_record.record_id());
    // A reference to nobody (a draft written elsewhere, or damaged) could
    // never be fixed in the form and would block submit for ever.
    m_dirty = pruneDanglingReferences();
    m_saveError.clear();
    m_submitError.clear();
    m_unreadable.clear();
    rebuildSteps();
    m_step = qBound(0, step, int(m_steps.size()) - 1);
    // Reopened where the officer left it: the steps before were seen.
    m_leftSteps.clear();
    for (int i = 0; i < m_step; ++i)
        m_leftSteps.insert(stepKey(i));
    prepareStep();
    if (m_readOnly)
        m_dirty = false; // a submitted record is never written
    m_children.setChildren(ChildrenModel::fromRecord(m_record));
    rebuildRows(true);
    emit recordChanged();
    emit stepChanged();
    emit valuesChanged();
    emit saveStateChanged();
}

void RecordEditor::close()
{
    closeRecord();
}

bool RecordEditor::closeRecord()
{
    if (!active())
        return false;
    // An untouched new record (opened by mistake) is not left behind as an
    // empty draft for ever; anything else is saved.
    const QString id = m_recordId;
    bool discarded = false;
    if (canDelete() && m_session.recordStore())
        discarded = m_session.recordStore()->deleteEmptyDraft(id).ok();
    if (discarded) {
        m_dirty = false;
        m_resume.forget(id);
    } else if (!m_readOnly) {
        saveNow();
    }
    m_autosave.stop();
    m_record.Clear();
    m_recordId.clear();
    m_steps.clear();
    m_step = 0;
    m_issues.clear();
    m_unreadable.clear();
    m_fields.setRows({});
    m_children.setChildren({});
    m_dirty = false;
    m_readOnly = false;
    m_state = {};
    m_leftSteps.clear();
    m_shownIssues.clear();
    m_quietIssues.clear();
    emit recordChanged();
    emit stepChanged();
    emit valuesChanged();
    emit saveStateChanged();
    if (discarded)
        emit deleted(id);
    return discarded;
}

bool RecordEditor::saveNow()
{
    m_autosave.stop();
    if (m_readOnly)
        m_dirty = false; // what the form derives for display is never saved
    if (!active() || !m_dirty)
        return true;
    store::RecordStore *store = m_session.recordStore();
    if (!store) {
        m_saveError = tr("The app is locked: this change could not be saved.");
        emit saveStateChanged();
        return false;
    }
    *m_record.mutable_updated_at() = protocol::defaults::now(m_session.clock());
    const store::StoreError e = store->saveDraft(m_record);
    if (e) {
        m_saveError = tr("Not saved: %1").arg(e.message);
        emit saveStateChanged();
        return false;
    }
    m_dirty = false;
    m_saveError.clear();
    rememberStep();
    emit saveStateChanged();
    return true;
}

// ------------------------------------------------------------------ steps

void RecordEditor::rebuildSteps()
{
    m_steps = RecordSteps::plan(m_record);
    if (m_step >= m_steps.size())
        m_step = int(m_steps.size()) - 1;
}

QString RecordEditor::stepTitle() const
{
    if (m_steps.isEmpty())
        return QString();
    // Nothing is submitted from a record already sent: it is read back.
    if (m_readOnly && m_steps[m_step].kind == StepKind::Review)
        return tr("The record as sent");
    return RecordSteps::title(m_steps[m_step], m_record.incident().type());
}

QString RecordEditor::stepSubtitle() const
{
    if (m_steps.isEmpty() || m_steps[m_step].child < 0)
        return QString();
    const auto children = ChildrenModel::fromRecord(m_record);
    const int c = m_steps[m_step].child;
    if (c >= children.size())
        return QString();
    // The child's given name and age where the officer works on them (the
    // full name would push the age off a phone's header).
    const QString given =
        QString::fromStdString(m_record.children(c).identity().given_names()).simplified();
    const QString name = given.isEmpty() ? children[c].name : given;
    return children[c].age.isEmpty() ? name : tr("%1, %2").arg(name, children[c].age);
}

StepKind RecordEditor::stepKind() const
{
    return m_steps.isEmpty() ? StepKind::Form : m_steps[m_step].kind;
}

QString RecordEditor::stepId() const
{
    return m_steps.isEmpty() || !m_steps[m_step].section ? QString() : m_steps[m_step].section->id;
}

int RecordEditor::stepChild() const
{
    return m_steps.isEmpty() ? -1 : m_steps[m_step].child;
}

void RecordEditor::setStep(int index)
{
    if (m_steps.isEmpty())
        return;
    index = qBound(0, index, int(m_steps.size()) - 1);
    if (index == m_step)
        return;
    saveNow();
    m_leftSteps.insert(stepKey(m_step));
    // From review the officer comes to fix what it listed: say it here too.
    if (m_steps[m_step].kind == StepKind::Review)
        m_leftSteps.insert(stepKey(index));
    m_step = index;
    prepareStep();
    rebuildRows(true);
    rememberStep();
    emit stepChanged();
}

void RecordEditor::next()
{
    setStep(m_step + 1);
}

void RecordEditor::back()
{
    setStep(m_step - 1);
}

void RecordEditor::goToStep(int index)
{
    setStep(index);
}

int RecordEditor::stepFor(const QString &issuePath) const
{
    return RecordSteps::stepFor(m_steps, FormRows(m_record, m_checklists).rowPathFor(issuePath));
}

void RecordEditor::ensureRelationships(int child)
{
    if (protocol::defaults::ensureRelationships(&m_record, child))
        m_dirty = true;
}

bool RecordEditor::pruneDanglingReferences()
{
    QSet<std::string> known;
    for (const v1::Person &p : m_record.people())
        known.insert(p.person_id());
    for (const v1::ChildObservation &c : m_record.children())
        known.insert(c.child_id());
    QSet<std::string> dangling;
    auto check = [&](const std::string &id) {
        if (!id.empty() && !known.contains(id))
            dangling.insert(id);
    };
    for (const std::string &id : m_record.victim_ids())
        check(id);
    for (const std::string &id : m_record.suspect_ids())
        check(id);
    for (const v1::ChildObservation &c : m_record.children()) {
        for (const v1::Relationship &r : c.relationships())
            check(r.person_id());
        check(c.identity().pregnant_person_id());
    }
    for (const std::string &id : dangling)
        forgetPerson(id);
    return !dangling.isEmpty();
}

void RecordEditor::forgetPerson(const std::string &id)
{
    // Nothing may refer to a person who is no longer in the record.
    auto drop = [&](google::protobuf::RepeatedPtrField<std::string> *ids) {
        for (int i = ids->size() - 1; i >= 0; --i)
            if (ids->Get(i) == id)
                ids->erase(ids->begin() + i);
    };
    drop(m_record.mutable_victim_ids());
    drop(m_record.mutable_suspect_ids());
    for (v1::ChildObservation &c : *m_record.mutable_children()) {
        auto *rels = c.mutable_relationships();
        for (int i = rels->size() - 1; i >= 0; --i)
            if (rels->Get(i).person_id() == id)
                rels->erase(rels->begin() + i);
        if (c.identity().pregnant_person_id() == id)
            c.mutable_identity()->clear_pregnant_person_id();
    }
}

int RecordEditor::clearHiddenAnswers()
{
    // Answers to follow-ups the form no longer shows (a reason given before
    // the answer became "yes") are not submitted either.
    int cleared = 0;
    const FormRows rows(m_record, m_checklists);
    std::function<void(const FormField &, const QString &)> visit = [&](const FormField &f,
                                                                        const QString &base) {
        const QString path = base + f.key;
        if (f.key.startsWith(QLatin1Char('@')))
            return; // not a field (a person's part: their ids in victim_ids)
        if (!rows.fieldApplies(f, base)) {
            if (f.kind != FieldKind::ListHeader && !f.perPerson && f.keyField.isEmpty() &&
                isAnswered(fieldpath::get(m_record, path)) && fieldpath::clear(&m_record, path))
                ++cleared;
            return;
        }
        if (f.kind == FieldKind::ListHeader || f.perPerson) {
            const int n = fieldpath::count(m_record, path);
            for (int k = 0; k < n; ++k)
                for (const FormField &sub : f.itemFields)
                    visit(sub, QStringLiteral("%1[%2].").arg(path).arg(k));
        }
    };
    for (const FormSection &s : RecordForm::incidentSections())
        for (const FormField &f : s.fields)
            visit(f, QString());
    for (const FormSection &s : RecordForm::closingSections())
        for (const FormField &f : s.fields)
            visit(f, QString());
    for (int c = 0; c < m_record.children_size(); ++c)
        for (const FormSection &s : RecordForm::childSections())
            for (const FormField &f : s.fields)
                visit(f, QStringLiteral("children[%1].").arg(c));
    // A declined checklist's answers, or one not safe to ask, are hidden:
    // none is submitted. Nor is the answer to a follow-up no longer asked.
    const auto given = [](const v1::RiskAnswer &a) {
        v1::RiskAnswer bare;
        bare.set_question_id(a.question_id());
        return a.SerializeAsString() != bare.SerializeAsString();
    };
    // The questions about the children say what the children say now
    // (one removed, or answered otherwise, since the risk step).
    if (m_record.risk().answers_size() > 0) {
        const std::string before = m_record.risk().SerializeAsString();
        ensureRiskAnswers();
        if (m_record.risk().SerializeAsString() != before)
            ++cleared;
    }
    if (m_record.risk().declined() || m_record.risk().not_safe_to_ask()) {
        bool answered = false;
        for (const v1::RiskAnswer &a : m_record.risk().answers())
            answered = answered || given(a);
        if (answered)
            ++cleared;
        m_record.mutable_risk()->clear_answers();
    } else if (const protocol::RiskChecklist *c = m_checklists.forRecord(m_record)) {
        const v1::RiskAssessment asked = c->assessmentOf(m_record);
        for (v1::RiskAnswer &a : *m_record.mutable_risk()->mutable_answers()) {
            const protocol::RiskQuestion *q = c->question(QString::fromStdString(a.question_id()));
            if (q && !c->isAsked(*q, asked) && given(a)) {
                const std::string id = a.question_id();
                a.Clear();
                a.set_question_id(id);
                ++cleared;
            }
        }
    }
    // A relationship laid out but not answered says nothing.
    for (v1::ChildObservation &c : *m_record.mutable_children()) {
        auto *rels = c.mutable_relationships();
        for (int i = rels->size() - 1; i >= 0; --i) {
            v1::Relationship empty;
            empty.set_person_id(rels->Get(i).person_id());
            if (rels->Get(i).SerializeAsString() == empty.SerializeAsString()) {
                rels->erase(rels->begin() + i);
                ++cleared;
            }
        }
    }
    return cleared;
}

void RecordEditor::ensureRiskAnswers()
{
    // On the checklist the record was begun on (a draft begun on an older
    // version keeps its answers when a newer one arrives).
    if (const protocol::RiskChecklist *c = m_checklists.forRecord(m_record))
        protocol::defaults::ensureRiskAnswers(&m_record, *c);
}

void RecordEditor::prepareStep()
{
    const RecordStep &s = m_steps[m_step];
    if (s.section && s.child >= 0)
        for (const FormField &f : s.section->fields)
            if (f.perPerson)
                ensureRelationships(s.child);
    if (s.section && s.section->id == QLatin1String("risk")) {
        // The checklist's questions become rows to answer.
        const std::string before = m_record.risk().SerializeAsString();
        ensureRiskAnswers();
        if (m_record.risk().SerializeAsString() != before)
            m_dirty = true;
    }
}

QString RecordEditor::stepKey(int index) const
{
    if (index < 0 || index >= m_steps.size())
        return QString();
    const RecordStep &s = m_steps[index];
    const std::string child = s.child >= 0 && s.child < m_record.children_size()
                                  ? m_record.children(s.child).child_id()
                                  : std::string();
    return QStringLiteral("%1/%2/%3")
        .arg(int(s.kind))
        .arg(s.section ? s.section->id : QString(), QString::fromStdString(child));
}

void RecordEditor::rebuildRows(bool entering)
{
    // Good practice is asked of a draft; a submitted record is read as sent.
    m_issues = m_readOnly ? protocol::RecordIssues() : m_validator.check(m_record);
    const bool form = !m_steps.isEmpty() && m_steps[m_step].kind == StepKind::Form;
    QList<FormModel::Row> rows =
        form ? FormRows(m_record, m_checklists)
                   .rows(*m_steps[m_step].section, m_steps[m_step].child, m_issues)
             : QList<FormModel::Row>();
    if (entering) {
        m_shownIssues.clear();
        m_quietIssues.clear();
    }
    const bool revisited = entering && m_leftSteps.contains(stepKey(m_step));
    for (FormModel::Row &row : rows) {
        if (const auto it = m_unreadable.constFind(row.path); it != m_unreadable.constEnd()) {
            row.pendingText = it->first;
            row.inputError = it->second;
        }
        // Entering, only a step already left shows its messages; the rest
        // stay quiet while the officer works. After that, only a message the
        // officer's own answer brought shows at once (a "why not" after a
        // "no"), never the quiet ones: an edit must not fill the screen.
        if (row.issue.isEmpty()) {
            m_quietIssues.remove(row.path); // answered: should it return, it is new
        } else if (!m_shownIssues.contains(row.path)) {
            if (revisited || (!entering && !m_quietIssues.contains(row.path)))
                m_shownIssues.insert(row.path, row.issue);
            else
                m_quietIssues.insert(row.path);
        }
        if (const auto shown = m_shownIssues.constFind(row.path);
            shown != m_shownIssues.constEnd()) {
            row.issueResolved = row.issue.isEmpty();
            row.issue = *shown;
        } else {
            row.issue.clear(); // on review, and here when the officer comes back
        }
    }
    m_fields.setRows(std::move(rows));
}

QString RecordEditor::riskSummary() const
{
    const protocol::RiskChecklist *c =
        m_checklists.find(QString::fromStdString(m_record.risk().checklist_id()),
                          int(m_record.risk().checklist_version()));
    const v1::RiskAssessment &risk = m_record.risk();
    if (!c)
        return QString();
    if (risk.not_safe_to_ask())
        return tr("Not safe to ask now: grade the risk on what you know");
    if (risk.declined())
        return QString();
    const protocol::RiskScore s = c->scoreRecord(m_record);
    const auto level = [](v1::RiskLevel l) {
        switch (l) {
        case v1::RISK_LEVEL_HIGH:
            return tr("high");
        case v1::RISK_LEVEL_MEDIUM:
            return tr("medium");
        case v1::RISK_LEVEL_STANDARD:
            return tr("standard");
        default:
            return tr("not yet graded");
        }
    };
    QString text;
    if (c->format() < 2) {
        text = tr("Score %1 of %2: %3 risk")
                   .arg(s.score)
                   .arg(c->questions().size())
                   .arg(protocol::riskLevelKey(s.finalLevel));
    } else if (c->scoring() == protocol::RiskScoring::Judgement) {
        text = s.finalLevel == v1::RISK_LEVEL_UNSPECIFIED
                   ? tr("Graded by your judgement: choose the level below")
                   : tr("Your grade: %1 risk").arg(level(s.finalLevel));
    } else {
        text = tr("Score %1: %2 risk").arg(s.score).arg(level(s.finalLevel));
    }
    // Why: the triggers and clusters that set the level, in words.
    if (!s.reasons.isEmpty())
        text += tr(" (set by: %1)").arg(s.reasons.join(QStringLiteral("; ")));
    if (s.overrideApplied)
        text += tr(", by your judgement (the checklist gave %1)").arg(level(s.scoredLevel));
    if (!s.complete())
        text += tr(" (%n question(s) unanswered)", nullptr, int(s.unansweredQuestionIds.size()));
    return text;
}

QVariantList RecordEditor::reviewSummary() const
{
    QVariantList out;
    if (!active())
        return out;
    const auto children = ChildrenModel::fromRecord(m_record);
    for (int c = 0; c < m_record.children_size(); ++c) {
        const v1::ChildObservation &child = m_record.children(c);
        const QString base = QStringLiteral("children[%1].").arg(c);
        QVariantList lines;
        const auto line = [&](const QString &label, const QString &value, const QString &key) {
            lines << QVariantMap{
                {QStringLiteral("label"), label},
                {QStringLiteral("value"), value.isEmpty() ? tr("Not answered") : value},
                {QStringLiteral("missing"), value.isEmpty()},
                {QStringLiteral("step"), stepFor(base + key)}};
        };
        const auto choice = [](const QString &key, int v) {
            return v == 0 ? QString() : RecordForm::childChoiceLabel(key, v);
        };
        const auto withReason = [&](const QString &key, const v1::AnswerWithReason &a) {
            QString v = choice(key + QStringLiteral(".answer"), a.answer());
            if (a.answer() == v1::ANSWER_NO && !a.reason_if_no().empty())
                v += tr(": %1").arg(QString::fromStdString(a.reason_if_no()));
            return v;
        };
        if (!child.identity().unborn()) {
            line(tr("Where"), choice(QStringLiteral("presence"), child.presence()),
                 QStringLiteral("presence"));
            line(tr("Seen"), withReason(QStringLiteral("seen"), child.seen()),
                 QStringLiteral("seen.answer"));
            line(tr("Spoken to"), withReason(QStringLiteral("spoken_to"), child.spoken_to()),
                 QStringLiteral("spoken_to.answer"));
            line(tr("Alone"),
                 withReason(QStringLiteral("spoken_to_alone"), child.spoken_to_alone()),
                 QStringLiteral("spoken_to_alone.answer"));
            QString words = QString::fromStdString(child.voice().words_verbatim()).simplified();
            if (words.size() > 140)
                words = words.left(139) + QChar(0x2026);
            if (!words.isEmpty())
                words = QStringLiteral("\u201c%1\u201d").arg(words);
            else if (!child.voice().not_recorded_reason().empty())
                words = tr("Not recorded: %1")
                            .arg(QString::fromStdString(child.voice().not_recorded_reason()));
            line(tr("Their words"), words, QStringLiteral("voice.words_verbatim"));
        }
        line(tr("Grade"), choice(QStringLiteral("grade"), child.grade()), QStringLiteral("grade"));
        const auto notice = [&](const QString &label, const QString &key,
                                const v1::NoticeDecision &n) {
            QString v = choice(key + QStringLiteral(".made"), n.made());
            if (n.made() == v1::ANSWER_NO && !n.not_made_reason().empty())
                v += tr(": %1").arg(QString::fromStdString(n.not_made_reason()));
            if (stepFor(base + key + QStringLiteral(".made")) >= 0 || !v.isEmpty())
                line(label, v, key + QStringLiteral(".made"));
        };
        notice(tr("Protection notice (PPN)"), QStringLiteral("referrals.protection_notice"),
               child.referrals().protection_notice());
        notice(tr("Encompass notice"), QStringLiteral("referrals.encompass_notice"),
               child.referrals().encompass_notice());
        out << QVariantMap{
            {QStringLiteral("name"), c < children.size() ? children[c].name : QString()},
            {QStringLiteral("age"), c < children.size() ? children[c].age : QString()},
            {QStringLiteral("lines"), lines}};
    }
    return out;
}

QString RecordEditor::submitConsequences() const
{
    if (!active())
        return QString();
    QStringList says;
    const bool urgent = protocol::derived::isUrgent(m_record);
    says << (urgent ? tr("It is urgent: it goes to the hub first, the moment there is any "
                         "connection.")
                    : tr("It goes to the hub now, or as soon as there is a connection."));
    bool ppn = false, encompass = false;
    for (const v1::ChildObservation &c : m_record.children()) {
        ppn = ppn || c.referrals().protection_notice().made() == v1::ANSWER_YES;
        encompass = encompass || c.referrals().encompass_notice().made() == v1::ANSWER_YES;
    }
    if (ppn)
        says << tr("The Public Protection Notice goes to the MASH with it.");
    if (encompass)
        says << tr("The MASH arranges the school's Operation Encompass notice.");
    says << tr("Until the hub confirms it, it is only on this device; the home screen says "
               "when it is on the hub. After submitting, a correction is an amendment.");
    return QStringLiteral("\u2022 ") + says.join(QStringLiteral("\n\u2022 "));
}

QVariantList RecordEditor::issues() const
{
    QVariantList out;
    for (const protocol::RecordIssue &i : m_issues) {
        out << QVariantMap{{QStringLiteral("path"), i.path},
                           {QStringLiteral("message"), i.message},
                           {QStringLiteral("step"), stepFor(i.path)}};
    }
    return out;
}

// ---------------------------------------------------------------- editing

void RecordEditor::changed(bool structural)
{
    m_dirty = true;
    m_autosave.start(); // restarts: saves at most kAutosaveMs after the last edit
    if (structural) {
        rebuildSteps();
        m_children.setChildren(ChildrenModel::fromRecord(m_record));
        emit stepChanged();
    }
    rebuildRows();
    emit valuesChanged();
    emit saveStateChanged();
}

void RecordEditor::setValue(const QString &path, const QVariant &value)
{
    if (!editable())
        return;
    if (const auto keyed = keyedPath(path)) {
        setKeyedValue(keyed->first, keyed->second, value.toInt());
        return;
    }
    if (fieldpath::get(m_record, path) == value && !m_unreadable.contains(path))
        return;
    if (path == QLatin1String("incident.type")) {
        // Answers that the new type does not ask are discarded, never sent
        // hidden; the officer says so first.
        const QStringList lost = protocol::Applicability::answersLostByTypeChange(
            m_record, v1::IncidentType(value.toInt()));
        if (!lost.isEmpty()) {
            m_pendingType = value.toInt();
            // One line per part of the record: "Alpha: Where was the child?,
            // Where exactly, ..." so a long list still reads at a glance.
            QStringList owners;
            QHash<QString, QStringList> labels;
            for (const QString &p : lost) {
                const auto [owner, label] = describeAnswer(p);
                if (!owners.contains(owner))
                    owners.append(owner);
                if (!labels[owner].contains(label))
                    labels[owner].append(label);
            }
            m_pendingLosses.clear();
            for (const QString &owner : owners)
                m_pendingLosses.append(
                    owner.isEmpty()
                        ? labels[owner].join(QStringLiteral(", "))
                        : tr("%1: %2").arg(owner, labels[owner].join(QStringLiteral(", "))));
            emit typeChangeChanged();
            return;
        }
    }
    QString problem;
    if (!fieldpath::set(&m_record, path, value, m_session.clock().utcOffsetMinutes(), &problem)) {
        // Never silently dropped: kept as typed, with why, and the header
        // stops saying "saved".
        if (value.typeId() == QMetaType::QString) {
            m_unreadable.insert(path, {value.toString(), problem});
            rebuildRows();
            emit saveStateChanged();
        }
        return;
    }
    if (m_unreadable.remove(path) > 0)
        emit saveStateChanged();
    // The incident type and a child's "unborn" change which steps exist; a
    // name changes the children list.
    const bool structural =
        path == QLatin1String("incident.type") || path.endsWith(QLatin1String(".identity.unborn"));
    if (path.endsWith(QLatin1String("given_names")) ||
        path.endsWith(QLatin1String("family_name")) ||
        path.endsWith(QLatin1String("date_of_birth")) ||
        path.endsWith(QLatin1String("estimated_age_years")) ||
        path.endsWith(QLatin1String(".grade"))) {
        m_children.setChildren(ChildrenModel::fromRecord(m_record));
        emit stepChanged(); // the header names the child, with their age, as typed
    }
    // The checklist reads the children's own risk questions and the victims.
    if (path.startsWith(QLatin1String("risk.")) ||
        (m_record.risk().answers_size() > 0 &&
         (path.endsWith(QLatin1String("suspect_ever_hurt")) ||
          path.endsWith(QLatin1String("suspect_ever_threatened")) ||
          path.endsWith(QLatin1String(".identity.unborn")))))
        ensureRiskAnswers();
    changed(structural);
    if (structural)
        emit stepChanged();
}

QString RecordEditor::today() const
{
    const protocol::Clock &clock = m_session.clock();
    return clock.nowUtc()
        .addSecs(qint64(clock.utcOffsetMinutes()) * 60)
        .date()
        .toString(QStringLiteral("dd/MM/yyyy"));
}

void RecordEditor::setToNow(const QString &path, bool withTime)
{
    const protocol::Clock &clock = m_session.clock();
    const QDateTime local = clock.nowUtc().addSecs(qint64(clock.utcOffsetMinutes()) * 60);
    setValue(path, local.toString(withTime ? QStringLiteral("dd/MM/yyyy HH:mm")
                                           : QStringLiteral("dd/MM/yyyy")));
}

void RecordEditor::applyType(int type)
{
    m_record.mutable_incident()->set_type(v1::IncidentType(type));
    protocol::Applicability::clearInapplicable(m_record);
    ensureRiskAnswers();
    m_children.setChildren(ChildrenModel::fromRecord(m_record));
    changed(true);
    emit stepChanged();
}

void RecordEditor::confirmTypeChange()
{
    if (!m_pendingType || !active())
        return;
    const int type = *m_pendingType;
    m_pendingType.reset();
    m_pendingLosses.clear();
    emit typeChangeChanged();
    applyType(type);
}

void RecordEditor::cancelTypeChange()
{
    if (!m_pendingType)
        return;
    m_pendingType.reset();
    m_pendingLosses.clear();
    emit typeChangeChanged();
    emit valuesChanged(); // the type choice shows the kept type again
}

std::pair<QString, QString> RecordEditor::describeAnswer(const QString &path) const
{
    static const QRegularExpression childPath(QStringLiteral("^children\\[(\\d+)\\]\\.(.*)$"));
    static const QRegularExpression personPath(QStringLiteral("^people\\[(\\d+)\\]\\.(.*)$"));
    const QRegularExpressionMatch m = childPath.match(path);
    const QString key = m.hasMatch() ? m.captured(2) : path;
    const QRegularExpressionMatch person = personPath.match(path);
    if (person.hasMatch()) {
        // An adult's answer: under their name, in the people step's words.
        const int index = person.captured(1).toInt();
        QString label = person.captured(2);
        for (const FormSection &s : RecordForm::incidentSections())
            for (const FormField &f : s.fields)
                for (const FormField &item : f.itemFields)
                    if (f.key == QLatin1String("people") && item.key == person.captured(2))
                        label = item.label;
        QString name;
        if (index < m_record.people_size())
            name = FormRows::joinName(m_record.people(index).given_names(),
                                      m_record.people(index).family_name());
        return {name.isEmpty() ? tr("Adult %1").arg(index + 1) : name, label};
    }
    QString label;
    auto search = [&](const QList<FormSection> &sections) {
        for (const FormSection &s : sections) {
            if (label.isEmpty() && !s.tableKey.isEmpty() && key == s.tableKey)
                label = s.title;
            for (const FormField &f : s.fields)
                if (label.isEmpty() && (f.key == key || f.key.startsWith(key + QLatin1Char('.'))))
                    label = f.labelAt(m_record.incident().type());
        }
    };
    if (m.hasMatch()) {
        search(RecordForm::childSections());
        const int index = m.captured(1).toInt();
        if (index < m_record.children_size()) {
            const v1::ChildIdentity &id = m_record.children(index).identity();
            QString name = QString::fromStdString(id.given_names());
            if (name.isEmpty())
                name = id.unborn() ? tr("Unborn child") : tr("Child %1").arg(index + 1);
            return {name, label.isEmpty() ? key : label};
        }
    } else {
        search(RecordForm::incidentSections());
        search(RecordForm::closingSections());
        // Asked per person, as their part in the incident.
        if (key.startsWith(QLatin1String("victim_ids")))
            label = tr("Who is the victim");
        else if (key.startsWith(QLatin1String("suspect_ids")))
            label = tr("Who is the suspect");
    }
    return {QString(), label.isEmpty() ? key : label};
}

void RecordEditor::setKeyedValue(const QString &listPath, int key, int value)
{
    const FormField *f = RecordForm::keyedField(lastKey(listPath));
    if (!f)
        return;
    bool known = false;
    for (const FormChoice &c : f->choices)
        known = known || c.value == key;
    if (!known)
        return;
    int k = FormRows::keyedIndex(m_record, listPath, *f, key);
    if (value == 0) {
        // Unticked: the indicator is no longer recorded.
        if (k >= 0 && fieldpath::remove(&m_record, listPath, k))
            changed(false);
        return;
    }
    const bool created = k < 0;
    if (created) {
        if (!fieldpath::append(&m_record, listPath))
            return;
        k = fieldpath::count(m_record, listPath) - 1;
        fieldpath::set(&m_record, QStringLiteral("%1[%2].%3").arg(listPath).arg(k).arg(f->keyField),
                       key, 0);
    }
    const QString valuePath = QStringLiteral("%1[%2].%3").arg(listPath).arg(k).arg(f->valueField);
    if (!fieldpath::set(&m_record, valuePath, value, 0)) {
        if (created) // an existing entry keeps its answer
            fieldpath::remove(&m_record, listPath, k);
        return;
    }
    changed(false);
}

void RecordEditor::setRole(const QString &personId, int role, bool on)
{
    if (role == 0 || role == 1)
        togglePerson(role == 0 ? QStringLiteral("victim_ids") : QStringLiteral("suspect_ids"),
                     personId, on);
}

void RecordEditor::togglePerson(const QString &path, const QString &personId, bool on)
{
    QStringList ids = fieldpath::get(m_record, path).toStringList();
    ids.removeAll(personId);
    if (on)
        ids << personId;
    setValue(path, ids);
}

void RecordEditor::toggleFlag(const QString &path, int flag, bool on)
{
    QVariantList flags = fieldpath::get(m_record, path).toList();
    flags.removeAll(flag);
    if (on)
        flags << flag;
    setValue(path, flags);
}

void RecordEditor::toggleOption(const QString &path, const QString &key, bool on)
{
    // "Not known" stands alone: choosing it clears the others, and the
    // others clear it.
    const QString notKnown = QStringLiteral("not_known");
    QStringList keys = fieldpath::get(m_record, path).toStringList();
    keys.removeAll(key);
    if (on) {
        if (key == notKnown)
            keys.clear();
        else
            keys.removeAll(notKnown);
        keys << key;
    }
    setValue(path, keys);
}

void RecordEditor::addListItem(const QString &listPath)
{
    if (!editable() || !fieldpath::append(&m_record, listPath))
        return;
    if (listPath == QLatin1String("people")) // a stable id, like a child's
        m_record.mutable_people(m_record.people_size() - 1)->set_person_id(newId());
    changed(false);
}

void RecordEditor::askToRemove(const QString &listPath, int index)
{
    if (!editable() || index < 0 || index >= fieldpath::count(m_record, listPath))
        return;
    QString what;
    for (const FormModel::Row &r : m_fields.rows())
        if (r.kind == FieldKind::ListItem && r.listPath == listPath && r.listIndex == index)
            what = r.label;
    m_pendingRemoval = {listPath, index};
    const bool child = listPath == QLatin1String("children");
    if (child) {
        const auto children = ChildrenModel::fromRecord(m_record);
        what = index < children.size() ? children[index].name : QString();
    }
    m_removalQuestion =
        child ? tr("Remove %1 from this record? Everything recorded about them here is removed "
                   "too.")
                    .arg(what)
        : listPath == QLatin1String("people")
            ? tr("Remove %1? Their part in the incident and each child's relationship to them "
                 "are removed too.")
                  .arg(what)
            : tr("Remove %1?").arg(what);
    emit removalChanged();
}

void RecordEditor::confirmRemoval()
{
    if (!m_pendingRemoval)
        return;
    const auto [listPath, index] = *m_pendingRemoval;
    m_pendingRemoval.reset();
    m_removalQuestion.clear();
    emit removalChanged();
    if (listPath == QLatin1String("children"))
        removeChild(index);
    else
        removeListItem(listPath, index);
}

void RecordEditor::cancelRemoval()
{
    if (!m_pendingRemoval)
        return;
    m_pendingRemoval.reset();
    m_removalQuestion.clear();
    emit removalChanged();
}

void RecordEditor::removeListItem(const QString &listPath, int index)
{
    if (!editable())
        return;
    std::string person;
    if (listPath == QLatin1String("people") && index >= 0 && index < m_record.people_size())
        person = m_record.people(index).person_id();
    if (!fieldpath::remove(&m_record, listPath, index))
        return;
    if (!person.empty())
        forgetPerson(person);
    changed(false);
}

void RecordEditor::addChild(bool unborn)
{
    if (!editable())
        return;
    protocol::defaults::addChild(&m_record, newId(), unborn);
    changed(true);
}

void RecordEditor::removeChild(int index)
{
    if (!editable() || index < 0 || index >= m_record.children_size())
        return;
    const std::string id = m_record.children(index).child_id();
    if (fieldpath::remove(&m_record, QStringLiteral("children"), index)) {
        forgetPerson(id); // a 16 or 17 year old may have been the victim or suspect
        changed(true);
    }
}

void RecordEditor::moveChild(int from, int to)
{
    if (editable() && fieldpath::move(&m_record, QStringLiteral("children"), from, to))
        changed(true);
}

void RecordEditor::editChild(int index)
{
    for (int i = 0; i < m_steps.size(); ++i) {
        if (m_steps[i].child == index) {
            setStep(i);
            return;
        }
    }
}

bool RecordEditor::submit()
{
    if (!editable())
        return false;
    stampSubmitter();
    // Nothing the form hides is submitted (an answer given before the type
    // or a child's details changed). Only a submit that succeeds keeps the
    // cleared copy: if it is refused, the draft is as the officer left it,
    // hidden answers and all (a mis-tap that hid one loses nothing).
    const v1::IncidentRecord asLeft = m_record;
    bool cleared = !protocol::Applicability::clearInapplicable(m_record).isEmpty();
    if (clearHiddenAnswers() > 0)
        cleared = true;
    if (cleared)
        m_dirty = true;
    auto restore = [&] {
        if (!cleared)
            return;
        m_record = asLeft;
        m_dirty = true;
        saveNow();
    };
    if (!saveNow()) {
        restore();
        return false;
    }
    auto result = m_session.recordStore()->submit(m_recordId);
    if (!result) {
        restore();
        m_submitError = result.error().issues.isEmpty()
                            ? result.error().message
                            : tr("%n item(s) still needed before this record can be submitted.",
                                 nullptr, int(result.error().issues.size()));
        emit valuesChanged();
        return false;
    }
    const QString id = m_recordId;
    finishFrozen(result.value());
    emit submitted(id);
    return true;
}

void RecordEditor::finishFrozen(const store::Submission &submission)
{
    const QString id = m_recordId;
    m_submitError.clear();
    m_dirty = false;
    close();
    m_resume.forget(id); // a frozen record is not reopened for editing
    emit submissionMade(submission);
}

void RecordEditor::stampSubmitter()
{
    if (!m_submitter)
        return;
    const Submitter who = m_submitter();
    if (!who.officerId.isEmpty() && m_record.officer_id() != who.officerId.toStdString()) {
        m_record.set_officer_id(who.officerId.toStdString());
        m_dirty = true;
    }
    if (!who.deviceId.isEmpty() && m_record.device_id() != who.deviceId.toStdString()) {
        m_record.set_device_id(who.deviceId.toStdString());
        m_dirty = true;
    }
}

bool RecordEditor::canDelete() const
{
    return editable() && m_record.version() <= 1 &&
           protocol::defaults::hasNothingBeyondDefaults(m_record);
}

bool RecordEditor::deleteDraft()
{
    if (!m_session.recordStore() || !canDelete())
        return false;
    return closeRecord(); // deletes a draft that holds nothing beyond its defaults
}

bool RecordEditor::withdraw(const QString &reason)
{
    store::RecordStore *store = m_session.recordStore();
    if (!store || !editable() || isAmendment())
        return false; // an amendment is discarded instead: its versions are sent
    stampSubmitter();
    if (!saveNow())
        return false;
    const QString id = m_recordId;
    auto result = store->withdraw(id, reason);
    if (!result)
        return refused(result.error());
    finishFrozen(result.value());
    emit withdrawn(id);
    return true;
}

bool RecordEditor::refused(const store::StoreError &e)
{
    m_submitError = e.issues.isEmpty() ? e.message : e.issues.first().message;
    emit valuesChanged();
    return false;
}

bool RecordEditor::amend(const QString &reason)
{
    store::RecordStore *store = m_session.recordStore();
    if (!store || !canAmend())
        return false;
    const QString id = m_recordId;
    // Where the hub's first answerable reason is, to open the correction on it.
    QString firstPath;
    for (const QVariant &r : hubReasons()) {
        const QVariantMap row = r.toMap();
        if (row.value(QStringLiteral("step")).toInt() >= 0) {
            firstPath = row.value(QStringLiteral("path")).toString();
            break;
        }
    }
    auto result = store->amend(id, reason);
    if (!result)
        return refused(result.error());
    m_resume.forget(id);
    if (!open(id))
        return false;
    const int step = firstPath.isEmpty() ? -1 : stepFor(firstPath);
    setStep(step >= 0 ? step : 0);
    emit amended(id, version());
    return true;
}

bool RecordEditor::discardAmendment()
{
    store::RecordStore *store = m_session.recordStore();
    if (!store || !isAmendment())
        return false;
    m_autosave.stop();
    const QString id = m_recordId;
    if (const store::StoreError e = store->discardAmendment(id); e) {
        m_submitError = e.message;
        emit valuesChanged();
        return false;
    }
    m_dirty = false; // nothing left to save: the draft is gone
    m_resume.forget(id);
    closeRecord();
    emit deleted(id);
    return true;
}

QString RecordEditor::officerWording(const QString &code, const QString &hubMessage)
{
    // The hub's words are for whoever corrects the record; where what went
    // wrong is the transport's or the enrolment's, say what the officer can do.
    if (code == QLatin1String("hash_mismatch") || code == QLatin1String("undecodable") ||
        code == QLatin1String("unsealable") || code == QLatin1String("envelope_mismatch"))
        return tr("The copy the hub received could not be read: it was damaged on the way or "
                  "on this device. Sending it again as a new version usually puts it right; "
                  "if the hub refuses it again, tell the MASH.");
    if (code == QLatin1String("attribution_mismatch"))
        return tr("The hub could not file it under your enrolment: it names another officer or "
                  "device. Sent again from this device it is filed as yours; if it is not "
                  "yours, tell the MASH instead.");
    QString text = hubMessage.trimmed();
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

QVariantList RecordEditor::reasonRows(const QString &lines) const
{
    QVariantList out;
    for (const QString &line : lines.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        // "path: code: message"; the message may hold ": " itself.
        const QStringList parts = line.split(QStringLiteral(": "));
        const QString path = parts.size() >= 3 ? parts[0] : QString();
        const QString code = parts.size() >= 3 ? parts[1] : QString();
        const QString message = parts.size() >= 3 ? parts.mid(2).join(QStringLiteral(": ")) : line;
        const int step = path.isEmpty() ? -1 : stepFor(path);
        out << QVariantMap{{QStringLiteral("path"), path},
                           {QStringLiteral("code"), code},
                           {QStringLiteral("message"), officerWording(code, message)},
                           {QStringLiteral("step"), step}};
    }
    return out;
}

QVariantList RecordEditor::hubReasons() const
{
    if (!active())
        return {};
    return reasonRows(m_readOnly ? m_state.hubReasons : m_state.parentHubReasons);
}

QString RecordEditor::stateNotice() const
{
    if (!active() || !m_readOnly)
        return QString();
    QString notice;
    switch (m_state.status) {
    case protocol::RecordStatus::Queued:
        notice = tr("Submitted %1, waiting to send. Until the hub confirms it, it is only on "
                    "this device.")
                     .arg(RecordListModel::displayTime(m_state.submittedMs));
        break;
    case protocol::RecordStatus::Acknowledged:
        notice = tr("On the hub since %1. To correct it, amend it: a new version, sent with "
                    "your reason.")
                     .arg(RecordListModel::displayTime(m_state.decidedMs));
        break;
    case protocol::RecordStatus::NeedsCorrection:
        notice = tr("The hub could not accept this version. Correct it and send it again: "
                    "the new version goes with your reason.");
        break;
    case protocol::RecordStatus::HeldAtHub:
        notice = tr("Sent. The hub already held another copy of this version; its staff "
                    "are checking which stands. Nothing for you to do.");
        break;
    case protocol::RecordStatus::Draft:
    case protocol::RecordStatus::Purged:
        break;
    }
    if (m_state.withdrawn && m_record.has_withdrawal())
        notice = tr("Withdrawn by you: %1. ")
                     .arg(QString::fromStdString(m_record.withdrawal().reason())) +
                 notice;
    return notice;
}

void RecordEditor::rememberStep() const
{
    if (editable())
        m_resume.remember(m_recordId, m_step);
}

} // namespace safeguard::ui
