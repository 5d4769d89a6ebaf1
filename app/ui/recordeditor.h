#pragma once

#include "appsession.h"
#include "childrenmodel.h"
#include "formmodel.h"
#include "protocol/goodpractice.h"
#include "recordform.h"
#include "recordsteps.h"
#include "resumepositions.h"
#include "store/recordstore.h"

#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <functional>
#include <optional>

namespace safeguard::ui {

// The record flow: incident details, then the children (add, remove,
// reorder, an unborn child allowed), then each child's sections, then the
// risk checklist and sharing, then review and submit. One step at a time;
// the form adapts to the incident type and to each child.
//
// Nothing typed is lost: every edit schedules an autosave at most
// kAutosaveMs after the last keystroke, and the session's aboutToLock (lock,
// hidden window, quit) saves at once. The step the officer was on is kept
// beside the store (a record id and a step number, nothing personal), so
// reopening a draft lands where they were.
class RecordEditor : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool active READ active NOTIFY recordChanged)
    Q_PROPERTY(QString recordId READ recordId NOTIFY recordChanged)
    Q_PROPERTY(int stepIndex READ stepIndex NOTIFY stepChanged)
    Q_PROPERTY(int stepCount READ stepCount NOTIFY stepChanged)
    Q_PROPERTY(QString stepTitle READ stepTitle NOTIFY stepChanged)
    Q_PROPERTY(safeguard::ui::StepKindHolder::Kind stepKind READ stepKind NOTIFY stepChanged)
    Q_PROPERTY(int stepChild READ stepChild NOTIFY stepChanged)
    Q_PROPERTY(QString stepSubtitle READ stepSubtitle NOTIFY stepChanged)
    Q_PROPERTY(QString stepId READ stepId NOTIFY stepChanged)
    Q_PROPERTY(safeguard::ui::FormModel *fields READ fields CONSTANT)
    Q_PROPERTY(safeguard::ui::ChildrenModel *children READ children CONSTANT)
    Q_PROPERTY(QString riskSummary READ riskSummary NOTIFY valuesChanged)
    Q_PROPERTY(QVariantList issues READ issues NOTIFY valuesChanged)
    // The read-back on review, one entry per child: {name, age, lines:
    // [{label, value, step, missing}]}: where they were, seen, spoken to,
    // alone, their words, the grade and the notices; each line's step is
    // where it is answered.
    Q_PROPERTY(QVariantList reviewSummary READ reviewSummary NOTIFY valuesChanged)
    // What submit will do, in the system's own terms, for the confirmation.
    Q_PROPERTY(QString submitConsequences READ submitConsequences NOTIFY valuesChanged)
    Q_PROPERTY(bool savePending READ savePending NOTIFY saveStateChanged)
    // Answers typed that could not be read (a date, a number): not saved,
    // and the header says so until each is fixed or cleared.
    Q_PROPERTY(int unreadableCount READ unreadableCount NOTIFY saveStateChanged)
    Q_PROPERTY(QString saveError READ saveError NOTIFY saveStateChanged)
    Q_PROPERTY(QString submitError READ submitError NOTIFY valuesChanged)
    // Nothing recorded beyond a new draft's defaults: it may be deleted
    // (an accidental "New record"). Any other draft is withdrawn instead.
    Q_PROPERTY(bool canDelete READ canDelete NOTIFY valuesChanged)
    // A change of incident type that would discard answers waits for the
    // officer to confirm it (confirmTypeChange) or keep the type
    // (cancelTypeChange); typeChangeLosses says what would go.
    Q_PROPERTY(bool typeChangePending READ typeChangePending NOTIFY typeChangeChanged)
    Q_PROPERTY(QStringList typeChangeLosses READ typeChangeLosses NOTIFY typeChangeChanged)
    // Removing an entry of a list (an adult, an injury) waits for the
    // officer to confirm it; the question names what goes. "" when none.
    Q_PROPERTY(QString removalQuestion READ removalQuestion NOTIFY removalChanged)
    // A submitted record, opened to read: nothing in it changes. Amend
    // starts the next version as a draft with the officer's reason.
    Q_PROPERTY(bool readOnly READ readOnly NOTIFY recordChanged)
    Q_PROPERTY(safeguard::protocol::RecordStatus status READ status NOTIFY recordChanged)
    Q_PROPERTY(int version READ version NOTIFY recordChanged)
    Q_PROPERTY(bool canAmend READ canAmend NOTIFY recordChanged)
    // What a submitted record's state means for the officer, in a sentence
    // ("On the hub since 3 Dec, 14:05. ..."); "" for a draft.
    Q_PROPERTY(QString stateNotice READ stateNotice NOTIFY recordChanged)
    // The hub's reasons for refusing this version (NeedsCorrection), or,
    // while a correction is written, for the version it corrects:
    // [{message, code, step}] (step: where it is answered, or -1).
    Q_PROPERTY(QVariantList hubReasons READ hubReasons NOTIFY recordChanged)
    // An amendment being written (version 2 on): why, as the officer said.
    Q_PROPERTY(QString amendmentReason READ amendmentReason NOTIFY recordChanged)
    Q_PROPERTY(bool isAmendment READ isAmendment NOTIFY recordChanged)

public:
    static constexpr int kAutosaveMs = 1000;

    RecordEditor(AppSession &session, QObject *parent = nullptr);

    // Who is submitting: the enrolled officer's id and the hub-issued device
    // id, stamped on every record as it is submitted (empty before enrolment;
    // the hub then knows the officer from the device).
    struct Submitter
    {
        QString officerId;
        QString deviceId;
    };
    void setSubmitter(std::function<Submitter()> submitter) { m_submitter = std::move(submitter); }

    bool active() const { return !m_recordId.isEmpty(); }
    QString recordId() const { return m_recordId; }
    int stepIndex() const { return m_step; }
    int stepCount() const { return int(m_steps.size()); }
    QString stepTitle() const;
    QString stepSubtitle() const;
    StepKind stepKind() const;
    // The form section's id ("incident", "presence", "risk"...), "" otherwise.
    QString stepId() const;
    int stepChild() const;
    FormModel *fields() { return &m_fields; }
    ChildrenModel *children() { return &m_children; }
    QString riskSummary() const;
    QVariantList issues() const;
    QVariantList reviewSummary() const;
    QString submitConsequences() const;
    bool savePending() const { return m_dirty; }
    int unreadableCount() const { return int(m_unreadable.size()); }
    QString saveError() const { return m_saveError; }
    QString submitError() const { return m_submitError; }
    bool canDelete() const;
    const v1::IncidentRecord &record() const { return m_record; }
    bool readOnly() const { return m_readOnly; }
    protocol::RecordStatus status() const { return m_state.status; }
    int version() const { return int(m_record.version()); }
    bool canAmend() const { return active() && m_readOnly && protocol::canAmend(m_state.status); }
    QString stateNotice() const;
    QVariantList hubReasons() const;
    QString amendmentReason() const { return QString::fromStdString(m_record.amendment_reason()); }
    // An amendment not yet submitted (discardAmendment may drop it).
    bool isAmendment() const { return active() && !m_readOnly && m_record.version() > 1; }

    // Starts a new draft (saved at once) and opens it at the first step.
    Q_INVOKABLE bool startNew();
    // Opens a draft where the officer left it; a submitted record opens
    // read-only on its review (and the hub's reasons, if it refused it).
    // false for a purged record (only its receipt is left) or an unknown id.
    Q_INVOKABLE bool open(const QString &recordId);
    // The open submitted record's next version, as a draft with the
    // officer's reason, opened to edit where the hub's first reason is
    // answered (else at the start); false with submitError set.
    Q_INVOKABLE bool amend(const QString &reason);
    // Drops the open amendment before it is submitted: the submitted
    // versions stay as they were (store::RecordStore::discardAmendment).
    Q_INVOKABLE bool discardAmendment();
    // Saves and closes the record.
    Q_INVOKABLE void close();

    Q_INVOKABLE void setValue(const QString &path, const QVariant &value);
    // A risk question's option, by key ("not known" stands alone).
    Q_INVOKABLE void toggleOption(const QString &path, const QString &key, bool on);
    Q_INVOKABLE void toggleFlag(const QString &path, int flag, bool on);
    // "Today" for a date, "Now" for a date and time, by the device's clock.
    Q_INVOKABLE void setToNow(const QString &path, bool withTime);
    // Today's date ("dd/MM/yyyy") by the device's clock: where a calendar opens.
    Q_INVOKABLE QString today() const;
    // Adds or removes one person (by id) of a list of people (victim_ids).
    Q_INVOKABLE void togglePerson(const QString &path, const QString &personId, bool on);
    // A person's or child's part in the incident: 0 victim, 1 suspect.
    Q_INVOKABLE void setRole(const QString &personId, int role, bool on);
    Q_INVOKABLE void addListItem(const QString &listPath);
    Q_INVOKABLE void removeListItem(const QString &listPath, int index);
    // Asks before removing an entry (removalQuestion), or a child (listPath
    // "children"); then confirmRemoval or cancelRemoval.
    Q_INVOKABLE void askToRemove(const QString &listPath, int index);
    Q_INVOKABLE void confirmRemoval();
    Q_INVOKABLE void cancelRemoval();
    QString removalQuestion() const { return m_removalQuestion; }

    Q_INVOKABLE void addChild(bool unborn);
    Q_INVOKABLE void removeChild(int index);
    Q_INVOKABLE void moveChild(int from, int to);
    Q_INVOKABLE void editChild(int index);

    Q_INVOKABLE void next();
    Q_INVOKABLE void back();
    Q_INVOKABLE void goToStep(int index);
    // The step that holds a field path (from an issue), or -1.
    Q_INVOKABLE int stepFor(const QString &path) const;

    // Validates, freezes and queues the record; false with submitError set.
    Q_INVOKABLE bool submit();
    // Deletes the open draft if it holds nothing beyond defaults (canDelete);
    // false, and the draft stays, otherwise.
    Q_INVOKABLE bool deleteDraft();
    // Sends the open draft to the hub as it stands, marked withdrawn with
    // the officer's reason (store::RecordStore::withdraw); false with
    // submitError set (no reason, the store refused).
    Q_INVOKABLE bool withdraw(const QString &reason);

public slots:
    // Writes the draft now if anything changed since the last save.
    bool saveNow();

    bool typeChangePending() const { return m_pendingType.has_value(); }
    QStringList typeChangeLosses() const { return m_pendingLosses; }
    Q_INVOKABLE void confirmTypeChange();
    Q_INVOKABLE void cancelTypeChange();

signals:
    void typeChangeChanged();
    void removalChanged();
    void recordChanged();
    void stepChanged();
    void valuesChanged();
    void saveStateChanged();
    void submitted(const QString &recordId);
    void withdrawn(const QString &recordId);
    void deleted(const QString &recordId);
    void amended(const QString &recordId, int version);
    // The same moment, with what the store froze: for the sync engine.
    void submissionMade(const safeguard::store::Submission &submission);

private:
    void load(v1::IncidentRecord record, int step);
    // Editing allowed: a record is open and it is a draft.
    bool editable() const { return active() && !m_readOnly; }
    // The store refused: submitError says why (its first issue, if any); false.
    bool refused(const store::StoreError &e);
    // What the officer reads for one of the hub's reasons.
    static QString officerWording(const QString &code, const QString &hubMessage);
    // The hub's "path: code: message" lines, as QML rows.
    QVariantList reasonRows(const QString &lines) const;
    void rebuildSteps();
    // entering: the step was just entered, so its issue messages are chosen
    // afresh (see m_shownIssues).
    void rebuildRows(bool entering = false);
    // Which step this is, stable while children are added or moved.
    QString stepKey(int index) const;
    void prepareStep();
    void setKeyedValue(const QString &listPath, int key, int value);
    void ensureRelationships(int child);
    void forgetPerson(const std::string &id);
    // Drops references (victim, suspect, relationship, pregnant person) to
    // ids in no person or child; true when it dropped any.
    bool pruneDanglingReferences();
    int clearHiddenAnswers();
    // Whose answer and what the officer reads for an answer path: ("Alpha",
    // "Where was the child?"), or ("", "Risk checklist") for the incident's.
    std::pair<QString, QString> describeAnswer(const QString &path) const;
    // Applies a change of incident type and clears what no longer applies.
    void applyType(int type);
    void changed(bool structural);
    // After a submit or a withdrawal: closes, forgets the step, tells the
    // sync engine.
    void finishFrozen(const store::Submission &submission);
    // close(): saves, or deletes a draft holding nothing beyond its
    // defaults (true when it did).
    bool closeRecord();
    // The enrolled officer's and device's ids on the record (m_submitter).
    void stampSubmitter();
    void setStep(int index);
    void ensureRiskAnswers();
    void rememberStep() const;

    AppSession &m_session;
    ResumePositions m_resume;
    const protocol::RiskChecklistRegistry &m_checklists; // the store's (AppSession::checklists)
    protocol::GoodPracticeValidator m_validator;
    v1::IncidentRecord m_record;
    QString m_recordId;
    QList<RecordStep> m_steps;
    int m_step = 0;
    FormModel m_fields;
    ChildrenModel m_children;
    protocol::RecordIssues m_issues;
    QTimer m_autosave;
    bool m_dirty = false;
    QString m_saveError;
    // path -> (the text as typed, why it could not be read)
    QHash<QString, std::pair<QString, QString>> m_unreadable;
    QString m_submitError;
    std::function<Submitter()> m_submitter;
    std::optional<int> m_pendingType;
    QStringList m_pendingLosses;
    std::optional<std::pair<QString, int>> m_pendingRemoval;
    QString m_removalQuestion;
    QString m_reopenAfterUnlock;
    bool m_readOnly = false;
    // Where a good-practice message shows under a field. Never on a first
    // look at a step's empty fields; when the officer comes back to a step
    // they have left or reaches it from review; and at once when their own
    // answer brings one (a follow-up, a suspect's age). Once shown it keeps
    // its place until the step is left, struck through when answered, so
    // nothing moves under the finger as fields are filled.
    QSet<QString> m_leftSteps;             // stepKey()s
    QHash<QString, QString> m_shownIssues; // row path -> the message as shown
    QSet<QString> m_quietIssues;           // row paths whose message is held back
    store::RecordState m_state;            // the open record's, as the store had it when opened
};

} // namespace safeguard::ui
