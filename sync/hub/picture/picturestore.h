#pragma once

#include "concern.h"
#include "encompass.h"
#include "hub/hubstore.h"
#include "identity.h"
#include "picturekeys.h"
#include "protocol/riskchecklist.h"
#include "safeguard/v1/record.pb.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <memory>
#include <optional>

namespace safeguard::hub::picture {

// One appearance of a resolved person in one record, in a chronology.
struct Appearance
{
    QString personKey;
    QString owner, recordId, localId;
    quint32 version = 0;
    bool child = false;
    bool victim = false, suspect = false;
    PersonFacts facts;
    Report report;
};

// A weaker match waiting for a person to confirm or reject it.
struct MatchProposal
{
    qint64 id = 0;
    QString personA, personB;
    QStringList reasons;
    QString heldBack;
};

// Who does a staff action, and why: an actor until staff accounts exist
// (the staff page), a reason always. Both are kept in the audit trail.
struct StaffAction
{
    QString actor;
    QString reason;
    qint64 atMs = 0;
};

// What a staff action came to: ok, or a typed refusal (code) in words.
struct StaffResult
{
    enum class Code
    {
        Ok,
        NotFound,     // no such person, proposal or merge
        Invalid,      // no actor or reason, a person merged with themselves
        Conflict,     // a child with an adult, two people of one report, undone twice
        StorageError, // nothing was written
    };
    Code code = Code::Ok;
    QString message;
    qint64 id = 0; // the merge made, or the proposal decided
    bool ok() const { return code == Code::Ok; }
};

// One merge of two resolved people, as the audit keeps it.
struct MergeEntry
{
    qint64 id = 0;
    QString survivor, absorbed;
    QString actor, reason;
    QDateTime at;
    qint64 proposalId = 0; // 0: merged by hand, not from a proposal
    QString undoneBy, undoReason;
    QDateTime undoneAt; // invalid: still in force
};

// One line of the audit trail of staff decisions.
struct AuditEntry
{
    qint64 id = 0;
    QDateTime at;
    QString actor;
    QString action; // merge, unmerge, confirm, reject
    QJsonObject detail;
};

// Someone a person appears beside in the picture's reports, and how.
struct Link
{
    QString personKey;
    bool child = false;
    QString name;
    QStringList roles;   // victim, suspect, household, child
    QStringList reports; // evidence ("record-id v2")
};

// An Operation Encompass notice a record calls for (encompass.h), as staff
// see it: by when, and in detail who is told, in what language, saying what.
struct NoticeDue
{
    QString owner, recordId, personKey;
    quint32 version = 0;
    QDateTime dueUtc; // invalid: the calendar cannot say (detail.deadline_error)
    QJsonObject detail;
};

struct PictureCounts
{
    qint64 children = 0, adults = 0, proposals = 0;
    // Children with at least one concern rule triggered on their history.
    qint64 rulesTriggered = 0;
};

// The picture's own store: resolved people and where each appears, with
// everything identifying sealed (PictureKeys) and found through blind
// indexes. Behind an interface so the PostgreSQL issue can put it on both
// backends; the embedded one is a file of its own beside hub.db.
class PictureStore
{
public:
    virtual ~PictureStore() = default;
    // readOnly: for staff commands beside a running hub (never a write,
    // never a lock the worker waits on); the file must exist.
    // rules and directory: the force's policy (builtIn() unless given);
    // copied. A rules file other than the one the picture was last
    // evaluated with re-evaluates every person's history on open (never
    // for readOnly, which reads what the writer evaluated).
    static std::unique_ptr<PictureStore>
    openSqlite(const QString &path, const PictureKeys &keys, QString *error, bool readOnly = false,
               const ConcernRules *rules = nullptr, const EncompassDirectory *directory = nullptr,
               std::shared_ptr<const protocol::RiskChecklistRegistry> checklists = nullptr);

    // Takes one committed version into the picture: resolves every person
    // in it (adults first, so a child's parents and an unborn child's
    // pregnant person are known), links strong matches, records proposals.
    // Idempotent per version; a newer version replaces the record's older
    // one (its people are matched again); an older one after a newer is
    // ignored. False with *error on a storage failure (nothing half-written).
    virtual bool apply(const PictureWork &work, const v1::IncidentRecord &record,
                       QString *error) = 0;
    // apply() for several versions with one durable commit: which were
    // taken (a failing one is undone alone, *error says why).
    virtual std::vector<bool>
    applyBatch(const std::vector<std::pair<PictureWork, v1::IncidentRecord>> &batch,
               QString *error) = 0;

    // Where a record's person (child_id or person_id) was resolved to.
    virtual QString personKeyOf(const QString &owner, const QString &recordId,
                                const QString &localId) = 0;
    // Every appearance of one person, in the order things happened.
    virtual QList<Appearance> chronology(const QString &personKey) = 0;
    virtual QList<MatchProposal> openProposals() = 0;
    // The rules triggered on a child's whole history (or, for an adult
    // victim, potential escalation), with their evidence.
    virtual QList<TriggeredRule> concerns(const QString &personKey) = 0;
    // Every Encompass notice the picture's records call for, soonest
    // deadline first (undated ones, which staff must check, before all).
    // Sending them and marking them sent come with the staff page.
    virtual QList<NoticeDue> noticesDue() = 0;
    virtual PictureCounts counts() = 0;
    enum class Kind
    {
        Child,
        Adult,
    };
    // Every resolved person of a kind.
    virtual QStringList personKeys(Kind kind) = 0;

    // Staff decisions, each in one transaction and in the audit trail.
    // merge: every appearance of absorbed becomes survivor's; refused for
    // a child with an adult and for two people of one report (twins, a
    // child and their parent). unmerge: both exactly as before the merge,
    // merges made since included.
    virtual StaffResult merge(const QString &survivor, const QString &absorbed,
                              const StaffAction &action) = 0;
    virtual StaffResult unmerge(qint64 mergeId, const StaffAction &action) = 0;
    // confirm: the proposal's two people merged (the earlier one survives);
    // reject: never proposed again for those two.
    virtual StaffResult confirmProposal(qint64 proposalId, const StaffAction &action) = 0;
    virtual StaffResult rejectProposal(qint64 proposalId, const StaffAction &action) = 0;
    // The merges a person took part in (as either side), oldest first.
    virtual QList<MergeEntry> merges(const QString &personKey) = 0;
    // Newest first, at most limit.
    virtual QList<AuditEntry> audit(int limit) = 0;
    // The people a person appears beside (adults for a child, children
    // and other adults for an adult), with their roles and reports.
    virtual QList<Link> links(const QString &personKey) = 0;
    // How many times every person's history was evaluated by openSqlite
    // because the rules changed (0 when they had not).
    virtual int reevaluatedOnOpen() const = 0;
    virtual QString rulesVersion() const = 0;
};

// Takes up to limit versions from the hub's queue (urgent first), applies
// each to the picture and finishes them in the queue. Returns how many were
// applied; a record that does not parse is finished (it was checked at
// ingest; it cannot become readable by waiting) and counted in *skipped.
int runPictureWork(HubStore &hub, PictureStore &picture, const QString &worker, qint64 nowMs,
                   int limit, QString *error, int *skipped = nullptr);

} // namespace safeguard::hub::picture
