#pragma once

#include "concern.h"
#include "hub/hubstore.h"
#include "identity.h"
#include "picturekeys.h"
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
    static std::unique_ptr<PictureStore> openSqlite(const QString &path, const PictureKeys &keys,
                                                    QString *error, bool readOnly = false);

    // Takes one committed version into the picture: resolves every person
    // in it (adults first, so a child's parents and an unborn child's
    // pregnant person are known), links strong matches, records proposals.
    // Idempotent per version; a newer version replaces the record's older
    // one (its people are matched again); an older one after a newer is
    // ignored. False with *error on a storage failure (nothing half-written).
    virtual bool apply(const PictureWork &work, const v1::IncidentRecord &record,
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
};

// Takes up to limit versions from the hub's queue (urgent first), applies
// each to the picture and finishes them in the queue. Returns how many were
// applied; a record that does not parse is finished (it was checked at
// ingest; it cannot become readable by waiting) and counted in *skipped.
int runPictureWork(HubStore &hub, PictureStore &picture, const QString &worker, qint64 nowMs,
                   int limit, QString *error, int *skipped = nullptr);

} // namespace safeguard::hub::picture
