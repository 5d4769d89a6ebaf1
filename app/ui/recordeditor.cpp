#include "recordeditor.h"

#include "fieldpath.h"
#include "protocol/applicability.h"
#include "protocol/derivedfacts.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QUuid>

namespace safeguard::ui {

namespace {

v1::LocalTimestamp now(const protocol::Clock &clock)
{
    v1::LocalTimestamp t;
    t.set_unix_ms(clock.nowMs());
    t.set_utc_offset_minutes(clock.utcOffsetMinutes());
    return t;
}

QVariantList toVariant(const QList<FormChoice> &choices)
{
    QVariantList out;
    for (const FormChoice &c : choices)
        out << QVariantMap{{QStringLiteral("value"), c.value}, {QStringLiteral("label"), c.label}};
    return out;
}

} // namespace

RecordEditor::RecordEditor(AppSession &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_checklists(protocol::RiskChecklistRegistry::withBuiltIns())
    , m_validator(m_checklists)
{
    m_autosave.setSingleShot(true);
    m_autosave.setInterval(kAutosaveMs);
    connect(&m_autosave, &QTimer::timeout, this, &RecordEditor::saveNow);
    // Locking, hiding and quitting all pass through aboutToLock: save first,
    // then drop the record from memory.
    connect(&m_session, &AppSession::aboutToLock, this, &RecordEditor::close);
}

// ------------------------------------------------------------- lifecycle

bool RecordEditor::startNew()
{
    if (!m_session.recordStore())
        return false;
    close();
    v1::IncidentRecord r;
    r.set_record_id(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString());
    r.set_version(1);
    *r.mutable_created_at() = now(m_session.clock());
    *r.mutable_updated_at() = now(m_session.clock());
    *r.mutable_incident()->mutable_occurred_at() = now(m_session.clock());
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
    auto loaded = store->load(recordId);
    if (!loaded || loaded.value().has_submitted_at())
        return false; // only drafts are edited; a submitted record is amended
    close();
    load(loaded.value(), rememberedStep(recordId));
    return true;
}

void RecordEditor::load(v1::IncidentRecord record, int step)
{
    m_record = std::move(record);
    m_recordId = QString::fromStdString(m_record.record_id());
    m_dirty = false;
    m_saveError.clear();
    m_submitError.clear();
    rebuildSteps();
    m_step = qBound(0, step, int(m_steps.size()) - 1);
    prepareStep();
    m_children.setChildren(ChildrenModel::fromRecord(m_record));
    rebuildRows();
    emit recordChanged();
    emit stepChanged();
    emit valuesChanged();
    emit saveStateChanged();
}

void RecordEditor::close()
{
    if (!active())
        return;
    saveNow();
    m_autosave.stop();
    m_record.Clear();
    m_recordId.clear();
    m_steps.clear();
    m_step = 0;
    m_issues.clear();
    m_fields.setRows({});
    m_children.setChildren({});
    m_dirty = false;
    emit recordChanged();
    emit stepChanged();
    emit valuesChanged();
    emit saveStateChanged();
}

bool RecordEditor::saveNow()
{
    m_autosave.stop();
    if (!active() || !m_dirty)
        return true;
    store::RecordStore *store = m_session.recordStore();
    if (!store) {
        m_saveError = tr("The app is locked: this change could not be saved.");
        emit saveStateChanged();
        return false;
    }
    *m_record.mutable_updated_at() = now(m_session.clock());
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
    m_steps.clear();
    const v1::IncidentType type = m_record.incident().type();
    for (const FormSection &s : RecordForm::incidentSections())
        m_steps.append({StepKind::Form, &s, -1});
    m_steps.append({StepKind::Children, nullptr, -1});
    for (int c = 0; c < m_record.children_size(); ++c) {
        const bool unborn = m_record.children(c).identity().unborn();
        for (const FormSection &s : RecordForm::childSections()) {
            if (!RecordForm::applies(s.onlyFor, type) || (unborn && !s.bornKey.isEmpty()))
                continue;
            if (!s.tableKey.isEmpty() &&
                !protocol::Applicability::appliesToChild(
                    s.tableKey, type, protocol::ChildFacts::of(m_record, m_record.children(c))))
                continue;
            m_steps.append({StepKind::Form, &s, c});
        }
    }
    for (const FormSection &s : RecordForm::closingSections()) {
        if (!RecordForm::applies(s.onlyFor, type))
            continue;
        if (!s.tableKey.isEmpty() && !protocol::Applicability::appliesToIncident(s.tableKey, type))
            continue;
        m_steps.append({StepKind::Form, &s, -1});
    }
    m_steps.append({StepKind::Review, nullptr, -1});
    if (m_step >= m_steps.size())
        m_step = int(m_steps.size()) - 1;
}

QString RecordEditor::stepTitle() const
{
    if (m_steps.isEmpty())
        return QString();
    const Step &s = m_steps[m_step];
    switch (s.kind) {
    case StepKind::Children:
        return tr("Children");
    case StepKind::Review:
        return tr("Review and submit");
    case StepKind::Form:
        break;
    }
    return s.section->title;
}

QString RecordEditor::stepSubtitle() const
{
    if (m_steps.isEmpty() || m_steps[m_step].child < 0)
        return QString();
    const auto children = ChildrenModel::fromRecord(m_record);
    const int c = m_steps[m_step].child;
    return c < children.size() ? children[c].name : QString();
}

RecordEditor::StepKind RecordEditor::stepKind() const
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
    m_step = index;
    prepareStep();
    rebuildRows();
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

int RecordEditor::stepFor(const QString &path) const
{
    int child = -1;
    QString rest = path;
    if (path.startsWith(QLatin1String("children["))) {
        const int close = path.indexOf(QLatin1Char(']'));
        child = path.mid(9, close - 9).toInt();
        rest = path.mid(close + 2);
    }
    for (int i = 0; i < m_steps.size(); ++i) {
        const Step &s = m_steps[i];
        if (s.kind != StepKind::Form || s.child != child)
            continue;
        if (rest.startsWith(QLatin1String("risk.")) && s.section->id == QLatin1String("risk"))
            return i;
        for (const FormField &f : s.section->fields) {
            if (rest == f.key || rest.startsWith(f.key + QLatin1Char('.')) ||
                rest.startsWith(f.key + QLatin1Char('[')) ||
                f.key.startsWith(rest + QLatin1Char('.')))
                return i;
        }
    }
    if (path == QLatin1String("children"))
        for (int i = 0; i < m_steps.size(); ++i)
            if (m_steps[i].kind == StepKind::Children)
                return i;
    return -1;
}

// ------------------------------------------------------------------- rows

bool RecordEditor::fieldApplies(const FormField &field, const QString &base) const
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
    if (!RecordForm::applies(field.onlyFor, type))
        return false;
    if (field.whenKey.isEmpty())
        return true;
    const QVariant v = fieldpath::get(m_record, base + field.whenKey);
    for (const QVariant &w : field.whenIn) {
        if (w.typeId() == QMetaType::Bool ? v.toBool() == w.toBool() : v.toInt() == w.toInt())
            return true;
    }
    return false;
}

void RecordEditor::appendRows(const FormField &field, const QString &base,
                              QList<FormModel::Row> &rows,
                              const QHash<QString, QString> &issues) const
{
    if (!fieldApplies(field, base))
        return;
    const QString path = base + field.key;
    FormModel::Row row;
    row.path = path;
    row.kind = field.kind;
    row.label = field.label;
    row.help = field.help;
    row.choices = toVariant(field.choices);
    row.sensitive = field.sensitive;
    row.issue = issues.value(path);
    if (field.kind == FieldKind::ListHeader) {
        row.listPath = path;
        rows << row;
        const int n = fieldpath::count(m_record, path);
        for (int k = 0; k < n; ++k) {
            FormModel::Row item;
            item.path = QStringLiteral("%1[%2]").arg(path).arg(k);
            item.kind = FieldKind::ListItem;
            item.label = tr("%1: entry %2").arg(field.label).arg(k + 1);
            item.listPath = path;
            item.listIndex = k;
            item.sensitive = false;
            rows << item;
            for (const FormField &sub : field.itemFields)
                appendRows(sub, item.path + QLatin1Char('.'), rows, issues);
        }
        return;
    }
    row.value = fieldpath::get(m_record, path);
    rows << row;
}

void RecordEditor::ensureRiskAnswers()
{
    const protocol::RiskChecklist *c = m_checklists.currentFor(m_record.incident().type());
    if (!c)
        return;
    v1::RiskAssessment *risk = m_record.mutable_risk();
    const std::string id = c->id().toStdString();
    if (risk->checklist_id() != id || int(risk->checklist_version()) != c->version()) {
        // A different checklist (or none yet): start its answers afresh.
        risk->set_checklist_id(id);
        risk->set_checklist_version(quint32(c->version()));
        risk->clear_answers();
    }
    if (risk->answers_size() != c->questions().size()) {
        QHash<std::string, v1::Answer> old;
        for (const auto &a : risk->answers())
            old.insert(a.question_id(), a.answer());
        risk->clear_answers();
        for (const protocol::RiskQuestion &q : c->questions()) {
            v1::RiskAnswer *a = risk->add_answers();
            a->set_question_id(q.id.toStdString());
            a->set_answer(old.value(q.id.toStdString(), v1::ANSWER_UNSPECIFIED));
        }
    }
}

void RecordEditor::prepareStep()
{
    const Step &s = m_steps[m_step];
    if (s.section && s.section->id == QLatin1String("risk")) {
        // The checklist's questions become rows to answer.
        const std::string before = m_record.risk().SerializeAsString();
        ensureRiskAnswers();
        if (m_record.risk().SerializeAsString() != before)
            m_dirty = true;
    }
}

void RecordEditor::rebuildRows()
{
    m_issues = m_validator.check(m_record);
    QList<FormModel::Row> rows;
    if (!m_steps.isEmpty() && m_steps[m_step].kind == StepKind::Form) {
        const Step &s = m_steps[m_step];
        const QString base =
            s.child >= 0 ? QStringLiteral("children[%1].").arg(s.child) : QString();
        QHash<QString, QString> issues;
        for (const protocol::RecordIssue &i : m_issues)
            issues.insert(i.path, i.message);

        if (s.section->id == QLatin1String("risk")) {
            const protocol::RiskChecklist *c = m_checklists.currentFor(m_record.incident().type());
            if (c && !m_record.risk().declined()) {
                for (int q = 0; q < c->questions().size(); ++q) {
                    FormModel::Row row;
                    row.path = QStringLiteral("risk.answers[%1].answer").arg(q);
                    row.kind = FieldKind::Choice;
                    row.label = QStringLiteral("%1. %2").arg(q + 1).arg(c->questions()[q].text);
                    row.choices = toVariant(RecordForm::riskAnswerChoices());
                    row.sensitive = false;
                    row.value = fieldpath::get(m_record, row.path);
                    row.issue =
                        issues.value(QStringLiteral("risk.answers[%1]").arg(c->questions()[q].id));
                    rows << row;
                }
            }
        }
        for (const FormField &f : s.section->fields)
            appendRows(f, base, rows, issues);

        // An issue at a path with no row of its own (e.g. "identity.education")
        // shows on the first row inside it.
        for (const protocol::RecordIssue &i : m_issues) {
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
    }
    m_fields.setRows(std::move(rows));
}

QString RecordEditor::riskSummary() const
{
    const protocol::RiskChecklist *c =
        m_checklists.find(QString::fromStdString(m_record.risk().checklist_id()),
                          int(m_record.risk().checklist_version()));
    if (!c || m_record.risk().declined())
        return QString();
    const protocol::RiskScore s = c->score(m_record.risk());
    QString text = tr("Score %1 of %2: %3 risk")
                       .arg(s.score)
                       .arg(c->questions().size())
                       .arg(protocol::riskLevelKey(s.finalLevel));
    if (!s.complete())
        text += tr(" (%n question(s) unanswered)", nullptr, int(s.unansweredQuestionIds.size()));
    return text;
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
    if (!active())
        return;
    if (fieldpath::get(m_record, path) == value)
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
    if (!fieldpath::set(&m_record, path, value, m_session.clock().utcOffsetMinutes()))
        return;
    // The incident type and a child's "unborn" change which steps exist; a
    // name changes the children list.
    const bool structural =
        path == QLatin1String("incident.type") || path.endsWith(QLatin1String(".identity.unborn"));
    if (path.endsWith(QLatin1String("given_names")) ||
        path.endsWith(QLatin1String("family_name")) ||
        path.endsWith(QLatin1String("date_of_birth")) || path.endsWith(QLatin1String(".grade")))
        m_children.setChildren(ChildrenModel::fromRecord(m_record));
    if (path.startsWith(QLatin1String("risk.")))
        ensureRiskAnswers();
    changed(structural);
    if (structural)
        emit stepChanged();
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
    const QRegularExpressionMatch m = childPath.match(path);
    const QString key = m.hasMatch() ? m.captured(2) : path;
    QString label;
    auto search = [&](const QList<FormSection> &sections) {
        for (const FormSection &s : sections) {
            if (label.isEmpty() && !s.tableKey.isEmpty() && key == s.tableKey)
                label = s.title;
            for (const FormField &f : s.fields)
                if (label.isEmpty() && (f.key == key || f.key.startsWith(key + QLatin1Char('.'))))
                    label = f.label;
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
    }
    return {QString(), label.isEmpty() ? key : label};
}

void RecordEditor::toggleFlag(const QString &path, int flag, bool on)
{
    QVariantList flags = fieldpath::get(m_record, path).toList();
    flags.removeAll(flag);
    if (on)
        flags << flag;
    setValue(path, flags);
}

void RecordEditor::addListItem(const QString &listPath)
{
    if (active() && fieldpath::append(&m_record, listPath))
        changed(false);
}

void RecordEditor::removeListItem(const QString &listPath, int index)
{
    if (active() && fieldpath::remove(&m_record, listPath, index))
        changed(false);
}

void RecordEditor::addChild(bool unborn)
{
    if (!active())
        return;
    v1::ChildObservation *c = m_record.add_children();
    c->set_child_id(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString());
    c->mutable_identity()->set_unborn(unborn);
    // Every child gets a Public Protection Notice unless the officer says why not.
    c->mutable_referrals()->set_public_protection_notice(true);
    changed(true);
}

void RecordEditor::removeChild(int index)
{
    if (active() && fieldpath::remove(&m_record, QStringLiteral("children"), index))
        changed(true);
}

void RecordEditor::moveChild(int from, int to)
{
    if (active() && fieldpath::move(&m_record, QStringLiteral("children"), from, to))
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
    if (!active())
        return false;
    if (m_submitter) {
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
    // Nothing the form hides is submitted (an answer given before the type
    // or a child's details changed).
    if (!protocol::Applicability::clearInapplicable(m_record).isEmpty())
        m_dirty = true;
    if (!saveNow())
        return false;
    auto result = m_session.recordStore()->submit(m_recordId);
    if (!result) {
        m_submitError = result.error().issues.isEmpty()
                            ? result.error().message
                            : tr("%n item(s) still needed before this record can be submitted.",
                                 nullptr, int(result.error().issues.size()));
        emit valuesChanged();
        return false;
    }
    const QString id = m_recordId;
    m_submitError.clear();
    m_dirty = false;
    close();
    forgetStep(id); // a submitted record is not reopened for editing
    emit submitted(id);
    return true;
}

// ------------------------------------------------------- resume position

QString RecordEditor::resumeFile() const
{
    return m_session.resumeFilePath();
}

QJsonObject RecordEditor::readResume() const
{
    QFile in(resumeFile());
    return in.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(in.readAll()).object()
                                        : QJsonObject();
}

void RecordEditor::writeResume(const QJsonObject &positions) const
{
    QSaveFile out(resumeFile());
    if (!out.open(QIODevice::WriteOnly))
        return;
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.write(QJsonDocument(positions).toJson(QJsonDocument::Compact));
    out.commit();
}

void RecordEditor::rememberStep() const
{
    if (!active())
        return;
    QJsonObject positions = readResume();
    positions.insert(m_recordId, m_step);
    writeResume(positions);
}

void RecordEditor::forgetStep(const QString &recordId) const
{
    QJsonObject positions = readResume();
    if (positions.contains(recordId)) {
        positions.remove(recordId);
        writeResume(positions);
    }
}

int RecordEditor::rememberedStep(const QString &recordId) const
{
    return readResume().value(recordId).toInt(0);
}

} // namespace safeguard::ui
