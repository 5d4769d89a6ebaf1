#include "picturestore.h"

#include "encompass.h"
#include "facts.h"
#include "sqlite/sqldatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>
#include <string>
#include <unordered_map>

namespace safeguard::hub::picture {

namespace {

// The picture's worker writes while staff commands read: wait for a lock
// rather than fail.
const char *kSchema = R"SQL(
PRAGMA busy_timeout = 10000;
PRAGMA journal_mode = WAL;
-- Durable before the queue entry is finished in hub.db, or work is lost.
PRAGMA synchronous = FULL;
PRAGMA cache_size = -65536;
CREATE TABLE IF NOT EXISTS appearances (
  id INTEGER PRIMARY KEY,
  person_key TEXT NOT NULL,       -- who they are now (merges applied)
  base_key TEXT NOT NULL,         -- who matching made them (what an unmerge restores)
  kind INTEGER NOT NULL,          -- 0 child, 1 adult
  owner TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  local_id TEXT NOT NULL,
  victim INTEGER NOT NULL,
  suspect INTEGER NOT NULL,
  occurred_at INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  facts BLOB NOT NULL,            -- sealed PersonFacts
  report BLOB NOT NULL            -- sealed Report
);
CREATE INDEX IF NOT EXISTS appearances_person ON appearances(person_key, occurred_at);
CREATE INDEX IF NOT EXISTS appearances_record ON appearances(owner, record_id);
CREATE INDEX IF NOT EXISTS appearances_base ON appearances(base_key);
-- The newest version of each record the picture has taken, people or not
-- (a version with nobody in it leaves no appearance to tell by).
CREATE TABLE IF NOT EXISTS applied (
  owner TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (owner, record_id)
);
CREATE TABLE IF NOT EXISTS blind_index (
  value BLOB NOT NULL,
  appearance_id INTEGER NOT NULL
);
DROP INDEX IF EXISTS blind_index_value;
CREATE INDEX IF NOT EXISTS blind_index_value_id ON blind_index(value, appearance_id);
CREATE INDEX IF NOT EXISTS blind_index_appearance ON blind_index(appearance_id);
-- The rules triggered on each child's whole history, as of the rules
-- version that made them; rewritten whenever the child's history changes.
CREATE TABLE IF NOT EXISTS concerns (
  person_key TEXT NOT NULL,
  rule TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  detail BLOB NOT NULL            -- sealed: explanation and evidence
);
CREATE INDEX IF NOT EXISTS concerns_person ON concerns(person_key);
-- Operation Encompass notices a record calls for: the deadline in the clear
-- (to order by it), who is told and what, sealed.
CREATE TABLE IF NOT EXISTS encompass_due (
  owner TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  person_key TEXT NOT NULL,
  local_id TEXT NOT NULL,         -- the child's id in the record
  due_at INTEGER,                 -- NULL: the calendar cannot say (see detail)
  detail BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS encompass_due_at ON encompass_due(due_at);
CREATE INDEX IF NOT EXISTS encompass_due_record ON encompass_due(owner, record_id);
CREATE TABLE IF NOT EXISTS proposals (
  id INTEGER PRIMARY KEY,
  appearance_a INTEGER NOT NULL,
  appearance_b INTEGER NOT NULL,
  reasons TEXT NOT NULL,
  held_back TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open', -- open, confirmed, rejected
  created_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  merge_id INTEGER
);
CREATE INDEX IF NOT EXISTS proposals_a ON proposals(appearance_a);
CREATE INDEX IF NOT EXISTS proposals_b ON proposals(appearance_b);
-- Staff merges: in force while undone_at is NULL. Reasons are sealed (a
-- reason may name someone).
CREATE TABLE IF NOT EXISTS merges (
  id INTEGER PRIMARY KEY,
  survivor TEXT NOT NULL,
  absorbed TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  reason BLOB NOT NULL,
  proposal_id INTEGER NOT NULL DEFAULT 0,
  undone_at INTEGER,
  undone_by TEXT,
  undo_reason BLOB
);
CREATE INDEX IF NOT EXISTS merges_absorbed ON merges(absorbed);
-- Two people staff said are not one (base keys): never proposed again.
CREATE TABLE IF NOT EXISTS not_same (
  key_a TEXT NOT NULL,
  key_b TEXT NOT NULL,
  PRIMARY KEY (key_a, key_b)
);
-- Every staff decision, append-only.
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail BLOB NOT NULL            -- sealed: who was merged, why
);
-- The rules the concerns were last evaluated with.
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
PRAGMA user_version = 2;
)SQL";

// A picture made before merges (user_version 1) gains what they need: every
// appearance's key is its own base key.
const char *kMigrateFrom1 = R"SQL(
ALTER TABLE appearances ADD COLUMN base_key TEXT NOT NULL DEFAULT '';
UPDATE appearances SET base_key = person_key;
ALTER TABLE encompass_due ADD COLUMN local_id TEXT NOT NULL DEFAULT '';
UPDATE encompass_due SET local_id = coalesce((SELECT a.local_id FROM appearances a WHERE
  a.owner = encompass_due.owner AND a.record_id = encompass_due.record_id AND
  a.person_key = encompass_due.person_key AND a.kind = 0 LIMIT 1), '');
ALTER TABLE proposals ADD COLUMN decided_at INTEGER;
ALTER TABLE proposals ADD COLUMN decided_by TEXT;
ALTER TABLE proposals ADD COLUMN merge_id INTEGER;
)SQL";

// Bumped whenever what the blind index holds changes (kinds of value,
// names::normalise): the index is then rebuilt on open.
constexpr qint64 kIndexVersion = 2;

// The most recent appearances a person is compared with: what bounds the
// cost of a very common name or a shared address (a hostel, a refuge).
constexpr int kMaxCandidates = 200;

QJsonArray toArray(const QStringList &l)
{
    return QJsonArray::fromStringList(l);
}

QStringList fromArray(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &x : v.toArray())
        out << x.toString();
    return out;
}

QByteArray factsJson(const PersonFacts &f)
{
    QStringList household(f.household.begin(), f.household.end());
    household.sort();
    QStringList parents(f.parentKeys.begin(), f.parentKeys.end());
    parents.sort();
    return QJsonDocument(QJsonObject{{QStringLiteral("given"), f.givenNames},
                                     {QStringLiteral("family"), f.familyName},
                                     {QStringLiteral("aliases"), toArray(f.aliases)},
                                     {QStringLiteral("dob"), f.dateOfBirth.toString(Qt::ISODate)},
                                     {QStringLiteral("age"), f.estimatedAgeYears},
                                     {QStringLiteral("seen_on"), f.seenOn.toString(Qt::ISODate)},
                                     {QStringLiteral("postcode"), f.postcode},
                                     {QStringLiteral("address"), f.address},
                                     {QStringLiteral("urn"), f.schoolUrn},
                                     {QStringLiteral("force_id"), f.forceIdentifier},
                                     {QStringLiteral("household"), toArray(household)},
                                     {QStringLiteral("unborn"), f.unborn},
                                     {QStringLiteral("due"), f.dueDate.toString(Qt::ISODate)},
                                     {QStringLiteral("pregnant"), f.pregnantPersonKey},
                                     {QStringLiteral("parents"), toArray(parents)}})
        .toJson(QJsonDocument::Compact);
}

PersonFacts factsFrom(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    PersonFacts f;
    f.givenNames = o.value(QLatin1String("given")).toString();
    f.familyName = o.value(QLatin1String("family")).toString();
    f.aliases = fromArray(o.value(QLatin1String("aliases")));
    f.dateOfBirth = QDate::fromString(o.value(QLatin1String("dob")).toString(), Qt::ISODate);
    f.estimatedAgeYears = o.value(QLatin1String("age")).toInt();
    f.seenOn = QDate::fromString(o.value(QLatin1String("seen_on")).toString(), Qt::ISODate);
    f.postcode = o.value(QLatin1String("postcode")).toString();
    f.address = o.value(QLatin1String("address")).toString();
    f.schoolUrn = o.value(QLatin1String("urn")).toString();
    f.forceIdentifier = o.value(QLatin1String("force_id")).toString();
    for (const QString &h : fromArray(o.value(QLatin1String("household"))))
        f.household.insert(h);
    f.unborn = o.value(QLatin1String("unborn")).toBool();
    f.dueDate = QDate::fromString(o.value(QLatin1String("due")).toString(), Qt::ISODate);
    f.pregnantPersonKey = o.value(QLatin1String("pregnant")).toString();
    for (const QString &p : fromArray(o.value(QLatin1String("parents"))))
        f.parentKeys.insert(p);
    return f;
}

QByteArray reportJson(const Report &r)
{
    QJsonArray aces;
    QList<int> sorted(r.aceCategories.begin(), r.aceCategories.end());
    std::sort(sorted.begin(), sorted.end());
    for (int c : sorted)
        aces.append(c);
    QJsonObject provenance;
    for (auto it = r.aceProvenance.cbegin(); it != r.aceProvenance.cend(); ++it)
        provenance.insert(QString::number(it.key()), it.value());
    return QJsonDocument(
               QJsonObject{{QStringLiteral("record_id"), r.recordId},
                           {QStringLiteral("version"), qint64(r.version)},
                           {QStringLiteral("occurred"), r.occurredUtc.toMSecsSinceEpoch()},
                           {QStringLiteral("received"), r.receivedUtc.toMSecsSinceEpoch()},
                           {QStringLiteral("type"), int(r.type)},
                           {QStringLiteral("unborn"), r.unborn},
                           {QStringLiteral("grade"), int(r.grade)},
                           {QStringLiteral("age"), r.ageYears ? *r.ageYears : -1},
                           {QStringLiteral("presence"), int(r.presence)},
                           {QStringLiteral("seen"), int(r.seen)},
                           {QStringLiteral("spoken_to"), int(r.spokenTo)},
                           {QStringLiteral("alone"), int(r.spokenToAlone)},
                           {QStringLiteral("aces"), aces},
                           {QStringLiteral("ppn"), int(r.protectionNotice)},
                           {QStringLiteral("in_scope"), r.encompassInScope},
                           {QStringLiteral("encompass"), int(r.encompassNotice)},
                           {QStringLiteral("address"), r.addressKey},
                           {QStringLiteral("suspects"), toArray(r.suspectKeys)},
                           {QStringLiteral("rationale"), r.gradeRationale},
                           {QStringLiteral("words"), r.childWords},
                           {QStringLiteral("no_words"), r.wordsNotRecorded},
                           {QStringLiteral("demeanour"), r.demeanour},
                           {QStringLiteral("provenance"), provenance},
                           {QStringLiteral("flags"), toArray(r.flags)},
                           {QStringLiteral("risk"), int(r.riskLevel)},
                           {QStringLiteral("risk_why"), toArray(r.riskReasons)},
                           {QStringLiteral("risk_outcome"), r.riskOutcome}})
        .toJson(QJsonDocument::Compact);
}

Report reportFrom(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    Report r;
    r.recordId = o.value(QLatin1String("record_id")).toString();
    r.version = quint32(o.value(QLatin1String("version")).toInteger());
    r.occurredUtc =
        QDateTime::fromMSecsSinceEpoch(o.value(QLatin1String("occurred")).toInteger(), Qt::UTC);
    r.receivedUtc =
        QDateTime::fromMSecsSinceEpoch(o.value(QLatin1String("received")).toInteger(), Qt::UTC);
    r.type = v1::IncidentType(o.value(QLatin1String("type")).toInt());
    r.unborn = o.value(QLatin1String("unborn")).toBool();
    r.grade = v1::Grade(o.value(QLatin1String("grade")).toInt());
    const int age = o.value(QLatin1String("age")).toInt(-1);
    if (age >= 0)
        r.ageYears = age;
    r.presence = v1::Presence(o.value(QLatin1String("presence")).toInt());
    r.seen = v1::Answer(o.value(QLatin1String("seen")).toInt());
    r.spokenTo = v1::Answer(o.value(QLatin1String("spoken_to")).toInt());
    r.spokenToAlone = v1::Answer(o.value(QLatin1String("alone")).toInt());
    for (const QJsonValue &c : o.value(QLatin1String("aces")).toArray())
        r.aceCategories.insert(c.toInt());
    r.protectionNotice = v1::Answer(o.value(QLatin1String("ppn")).toInt());
    r.encompassInScope = o.value(QLatin1String("in_scope")).toBool();
    r.encompassNotice = v1::Answer(o.value(QLatin1String("encompass")).toInt());
    r.addressKey = o.value(QLatin1String("address")).toString();
    r.suspectKeys = fromArray(o.value(QLatin1String("suspects")));
    r.gradeRationale = o.value(QLatin1String("rationale")).toString();
    r.childWords = o.value(QLatin1String("words")).toString();
    r.wordsNotRecorded = o.value(QLatin1String("no_words")).toString();
    r.demeanour = o.value(QLatin1String("demeanour")).toString();
    const QJsonObject provenance = o.value(QLatin1String("provenance")).toObject();
    for (auto it = provenance.constBegin(); it != provenance.constEnd(); ++it)
        r.aceProvenance.insert(it.key().toInt(), it.value().toInt());
    r.flags = fromArray(o.value(QLatin1String("flags")));
    const int risk = o.value(QLatin1String("risk")).toInt();
    r.riskLevel = v1::RiskLevel_IsValid(risk) ? v1::RiskLevel(risk) : v1::RISK_LEVEL_UNSPECIFIED;
    r.riskReasons = fromArray(o.value(QLatin1String("risk_why")));
    r.riskOutcome = o.value(QLatin1String("risk_outcome")).toString();
    return r;
}

// Binds a sealed value to its row: owner, record, person, version, and what
// it is (an old version's value restored over a new one does not open).
QByteArray associated(const QString &owner, const QString &recordId, const QString &localId,
                      quint32 version, const char *what)
{
    QByteArray ad;
    for (const QByteArray &part : {owner.toUtf8(), recordId.toUtf8(), localId.toUtf8(),
                                   QByteArray::number(version), QByteArray(what)}) {
        ad += QByteArray::number(part.size()) + ':' + part;
    }
    return ad;
}

// The blind index values one appearance is found by, and searches with.
struct IndexValues
{
    QList<QByteArray> own;    // stored for it
    QList<QByteArray> search; // what it looks for
};

IndexValues indexValues(const PictureKeys &keys, const PersonFacts &f)
{
    IndexValues v;
    auto add = [&](const char *kind, const QString &value, bool search = true) {
        if (value.isEmpty())
            return;
        const QByteArray i = keys.blindIndex(kind, value);
        v.own << i;
        if (search)
            v.search << i;
    };
    add("name", names::compact(f.fullName()));
    for (const QString &a : f.aliases)
        add("name", names::compact(a));
    const QString family = names::compact(f.familyName);
    const QString given = names::compact(f.givenNames.section(QLatin1Char(' '), 0, 0));
    if (!family.isEmpty() && !given.isEmpty()) {
        // The same sound is only worth a look at a consistent age: found
        // by sound and birth year (a year either side), so a common
        // Soundex code does not make every person a candidate for every
        // other. Someone of no known age looks at every year; everyone is
        // found by sound alone too, for them.
        const QString sound = names::soundex(family) + QLatin1Char('|') + names::soundex(given);
        add("sound", sound, false);
        const int year = f.dateOfBirth.isValid() ? f.dateOfBirth.year()
                         : f.estimatedAgeYears > 0 && f.seenOn.isValid()
                             ? f.seenOn.year() - f.estimatedAgeYears
                             : 0;
        add("sound-year", sound + QLatin1Char('|') + QString::number(year), year != 0);
        if (year == 0) {
            v.search << keys.blindIndex("sound", sound);
        } else {
            for (int y : {year - 1, year + 1, 0})
                v.search << keys.blindIndex("sound-year",
                                            sound + QLatin1Char('|') + QString::number(y));
        }
    }
    add("fid", names::compact(f.forceIdentifier));
    add("addr", f.addressKey());
    // An unborn child is found by a later born child of the family, and
    // the other way round.
    if (!family.isEmpty()) {
        add(f.unborn ? "unborn-family" : "born-family", family, false);
        v.search << keys.blindIndex(f.unborn ? "born-family" : "unborn-family", family);
    }
    return v;
}

class SqlitePictureStore final : public PictureStore
{
public:
    SqlitePictureStore(sql::Database db, const PictureKeys &keys, ConcernRules rules,
                       EncompassDirectory directory,
                       std::shared_ptr<const protocol::RiskChecklistRegistry> checklists)
        : m_db(std::move(db))
        , m_keys(keys)
        , m_checklists(std::move(checklists))
        , m_rules(std::move(rules))
        , m_directory(std::move(directory))
    {}

    // Re-evaluates every history when the rules are not the ones the
    // concerns were made with (by version and content).
    bool adoptRules(const QByteArray &fingerprint, QString *error);
    // Every appearance's blind index values again, from its sealed facts
    // (after a migration that changed what is indexed).
    bool rebuildBlindIndex(QString *error);
    std::optional<qint64> metaInt(const char *name)
    {
        sql::SqlError e;
        sql::Statement q = m_db.prepare("SELECT value FROM meta WHERE name = ?", &e);
        if (e)
            return std::nullopt;
        q.bind(1, QString::fromLatin1(name));
        if (!q.step())
            return std::nullopt;
        return q.columnText(0).toLongLong();
    }
    bool setMeta(const char *name, const QString &value, QString *error)
    {
        sql::SqlError e;
        sql::Statement q = m_db.prepare("INSERT INTO meta(name, value) VALUES (?1, ?2)"
                                        " ON CONFLICT(name) DO UPDATE SET value = ?2",
                                        &e);
        if (e)
            return fail(e, error);
        q.bind(1, QString::fromLatin1(name)).bind(2, value);
        return q.exec() || fail(q.error(), error);
    }

    bool apply(const PictureWork &work, const v1::IncidentRecord &record, QString *error) override;
    std::vector<bool>
    applyBatch(const std::vector<std::pair<PictureWork, v1::IncidentRecord>> &batch,
               QString *error) override;
    QString personKeyOf(const QString &owner, const QString &recordId,
                        const QString &localId) override;
    QList<Appearance> chronology(const QString &personKey) override;
    QList<MatchProposal> openProposals() override;
    PictureCounts counts() override;
    QStringList personKeys(Kind kind) override;
    QList<TriggeredRule> concerns(const QString &personKey) override;
    QList<NoticeDue> noticesDue() override;
    StaffResult merge(const QString &survivor, const QString &absorbed,
                      const StaffAction &action) override;
    StaffResult unmerge(qint64 mergeId, const StaffAction &action) override;
    StaffResult confirmProposal(qint64 proposalId, const StaffAction &action) override;
    StaffResult rejectProposal(qint64 proposalId, const StaffAction &action) override;
    QList<MergeEntry> merges(const QString &personKey) override;
    QList<AuditEntry> audit(int limit) override;
    QList<Link> links(const QString &personKey) override;
    int reevaluatedOnOpen() const override { return m_reevaluated; }
    QString rulesVersion() const override { return m_rules.version(); }

private:
    // Merges in force: absorbed key -> survivor key, read afresh for each
    // job (staff merge through a connection of their own).
    bool loadMerges(QString *error);
    // Who a base key (or a key merged away) is now.
    QString effective(const QString &key) const;
    // Re-points every appearance (and notice) now under one of keys to
    // whom its base key resolves to, then re-evaluates everyone affected.
    bool repoint(const QSet<QString> &keys, QString *error);
    // Everyone whose concerns depend on these people: themselves, and the
    // children of every report they appear in (a repeat suspect).
    bool reevaluateAround(const QSet<QString> &keys, QString *error);
    bool writeAudit(const StaffAction &action, const char *what, const QJsonObject &detail,
                    QString *error);
    std::optional<int> kindOf(const QString &personKey);
    StaffResult doMerge(const QString &survivor, const QString &absorbed, const StaffAction &action,
                        qint64 proposalId);
    StaffResult decide(qint64 proposalId, const StaffAction &action, bool same);
    // Rewrites the rules triggered on one child's whole history (or an
    // adult victim's).
    bool evaluate(const QString &personKey, QString *error);
    // apply() inside a transaction the caller holds.
    bool applyOne(const PictureWork &work, const v1::IncidentRecord &record, QString *error,
                  QSet<QString> *touched);
    // chronology() without reading the merges again (inside a job).
    QList<Appearance> history(const QString &personKey);
    bool storeConcerns(const QString &personKey, const QList<TriggeredRule> &triggered,
                       QString *error);
    bool fail(const sql::SqlError &e, QString *error)
    {
        if (error)
            *error = QStringLiteral("picture store: %1").arg(e.message);
        return false;
    }

    // Statements the worker runs for every version, prepared once. Reset
    // after every job (resetCache), so none holds a read open between.
    sql::Statement &prepared(std::string_view sqlText, sql::SqlError *e)
    {
        const std::string key(sqlText);
        auto it = m_cache.find(key);
        if (it != m_cache.end()) {
            if (it->second.error().ok()) {
                it->second.reset();
                return it->second;
            }
            m_cache.erase(it); // a statement keeps its error: prepare anew
        }
        sql::Statement s = m_db.prepare(sqlText, e);
        if (*e) {
            m_failed = std::move(s);
            return m_failed;
        }
        return m_cache.emplace(key, std::move(s)).first->second;
    }
    void resetCache()
    {
        for (auto &[text, statement] : m_cache)
            statement.reset();
    }
    std::unordered_map<std::string, sql::Statement> m_cache;
    sql::Statement m_failed;

    sql::Database m_db;
    const PictureKeys &m_keys;
    std::shared_ptr<const protocol::RiskChecklistRegistry> m_checklists;
    ConcernRules m_rules;
    EncompassDirectory m_directory;
    QHash<QString, QString> m_mergedInto;
    QSet<std::pair<QString, QString>> m_notSame; // base keys, both orders
    int m_reevaluated = 0;
};

// Steps q to its end, adding each row's first column to into; false on a
// storage error (q.error() says which).
bool collectFirstColumn(sql::Statement &q, QSet<QString> &into)
{
    while (q.step())
        into.insert(q.columnText(0));
    return q.error().ok();
}

StaffResult refused(StaffResult::Code code, const QString &message)
{
    StaffResult r;
    r.code = code;
    r.message = message;
    return r;
}

bool SqlitePictureStore::apply(const PictureWork &work, const v1::IncidentRecord &record,
                               QString *error)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), error);
    QSet<QString> touched;
    bool ok = applyOne(work, record, error, &touched);
    for (auto it = touched.cbegin(); ok && it != touched.cend(); ++it)
        ok = evaluate(*it, error);
    resetCache();
    if (!ok)
        return false; // rolled back
    if (auto c = tx.commit())
        return fail(c, error);
    return true;
}

std::vector<bool>
SqlitePictureStore::applyBatch(const std::vector<std::pair<PictureWork, v1::IncidentRecord>> &batch,
                               QString *error)
{
    std::vector<bool> done(batch.size(), false);
    sql::Transaction tx(m_db);
    if (tx.beginError()) {
        fail(tx.beginError(), error);
        return done;
    }
    // Each version in a savepoint of its own: one that fails is undone
    // alone, and the rest commit together (one durable commit a batch).
    // The histories they change are evaluated once, at the end (a batch of
    // reports at one address re-evaluates its children once, not per
    // report).
    QSet<QString> touchedByAll;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (auto s = m_db.exec("SAVEPOINT version")) {
            fail(s, error);
            return std::vector<bool>(batch.size(), false);
        }
        QSet<QString> touched;
        done[i] = applyOne(batch[i].first, batch[i].second, error, &touched);
        resetCache(); // before a rollback to the savepoint
        if (done[i])
            touchedByAll.unite(touched);
        if (auto s =
                m_db.exec(done[i] ? "RELEASE version" : "ROLLBACK TO version; RELEASE version")) {
            fail(s, error);
            return std::vector<bool>(batch.size(), false);
        }
    }
    for (const QString &k : touchedByAll) {
        if (!evaluate(k, error)) {
            resetCache();
            return std::vector<bool>(batch.size(), false); // all rolled back
        }
    }
    resetCache();
    if (auto c = tx.commit()) {
        fail(c, error);
        return std::vector<bool>(batch.size(), false);
    }
    return done;
}

bool SqlitePictureStore::applyOne(const PictureWork &work, const v1::IncidentRecord &record,
                                  QString *error, QSet<QString> *touched)
{
    sql::SqlError e;

    // A version already taken (or a newer one): nothing to do.
    sql::Statement &held = prepared(
        "SELECT coalesce(max(version), 0) FROM applied WHERE owner = ? AND record_id = ?", &e);
    if (e)
        return fail(e, error);
    held.bind(1, work.officerId).bind(2, work.recordId);
    if (!held.step())
        return fail(held.error(), error);
    if (held.columnInt64(0) >= qint64(work.version))
        return true;
    if (!loadMerges(error))
        return false;
    QSet<QString> touchedChildren;
    // Who the replaced version's people were (local id -> base key): a
    // person keeps who they are across a record's versions.
    // Keyed by kind and local id (a child's id reused for an adult is not
    // that child), with what was recorded of them then.
    struct Before
    {
        QString baseKey;
        PersonFacts facts;
    };
    QHash<QString, Before> before;
    // The replaced version's addresses and suspects: the children of other
    // reports whose concerns it was evidence for are evaluated again.
    QSet<QByteArray> oldAddresses;
    QSet<QString> oldSuspects;
    {
        sql::Statement &was =
            prepared("SELECT local_id, base_key, kind, facts, version, suspect, person_key FROM"
                     " appearances WHERE owner = ? AND record_id = ?",
                     &e);
        if (e)
            return fail(e, error);
        was.bind(1, work.officerId).bind(2, work.recordId);
        while (was.step()) {
            const auto facts = m_keys.open(
                was.columnBlob(3), associated(work.officerId, work.recordId, was.columnText(0),
                                              quint32(was.columnInt64(4)), "facts"));
            if (!facts)
                continue; // altered: matched afresh
            Before b{was.columnText(1), factsFrom(*facts)};
            if (!b.facts.addressKey().isEmpty())
                oldAddresses.insert(m_keys.blindIndex("addr", b.facts.addressKey()));
            if (was.columnInt64(5))
                oldSuspects.insert(was.columnText(6));
            before.insert(
                QString::number(was.columnInt64(2)) + QLatin1Char(':') + was.columnText(0), b);
        }
        if (was.error())
            return fail(was.error(), error);
    }
    {
        // The children the replaced version named: their history changed.
        sql::Statement &was = prepared("SELECT DISTINCT person_key FROM appearances WHERE"
                                       " owner = ? AND record_id = ? AND kind = 0",
                                       &e);
        if (e)
            return fail(e, error);
        was.bind(1, work.officerId).bind(2, work.recordId);
        while (was.step())
            touchedChildren.insert(was.columnText(0));
    }
    // An older version of this record: its people are matched again.
    for (const char *sqlText :
         {"DELETE FROM blind_index WHERE appearance_id IN (SELECT id FROM appearances WHERE owner"
          " = ?1 AND record_id = ?2)",
          "DELETE FROM proposals WHERE appearance_a IN (SELECT id FROM appearances WHERE owner ="
          " ?1 AND record_id = ?2) OR appearance_b IN (SELECT id FROM appearances WHERE owner ="
          " ?1 AND record_id = ?2)",
          "DELETE FROM appearances WHERE owner = ?1 AND record_id = ?2",
          "DELETE FROM encompass_due WHERE owner = ?1 AND record_id = ?2"}) {
        sql::Statement &del = prepared(sqlText, &e);
        if (e)
            return fail(e, error);
        del.bind(1, work.officerId).bind(2, work.recordId);
        if (!del.exec())
            return fail(del.error(), error);
    }

    QList<ExtractedPerson> people = extractPeople(
        record, QDateTime::fromMSecsSinceEpoch(work.receivedAtMs, Qt::UTC), *m_checklists);
    std::stable_partition(people.begin(), people.end(), [](const ExtractedPerson &p) {
        return p.kind == ExtractedPerson::Kind::Adult;
    });
    // local id -> base key (who matching made them; effective() is who
    // they are now). Sealed references to people hold base keys, so an
    // unmerge leaves them right.
    QHash<QString, QString> keyOf;
    // What comparisons read: references as the people they are now.
    const auto resolved = [this](PersonFacts f) {
        f.pregnantPersonKey = effective(f.pregnantPersonKey);
        QSet<QString> parents;
        for (const QString &k : f.parentKeys)
            parents.insert(effective(k));
        f.parentKeys = parents;
        return f;
    };

    sql::Statement &insert = prepared(
        "INSERT INTO appearances(person_key, kind, owner, record_id, version, local_id, victim,"
        " suspect, occurred_at, urgent, facts, report, base_key)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &e);
    if (e)
        return fail(e, error);
    sql::Statement &index =
        prepared("INSERT INTO blind_index(value, appearance_id) VALUES (?,?)", &e);
    if (e)
        return fail(e, error);
    sql::Statement &propose =
        prepared("INSERT INTO proposals(appearance_a, appearance_b, reasons, held_back, created_at)"
                 " VALUES (?,?,?,?,?)",
                 &e);
    if (e)
        return fail(e, error);

    sql::Statement &pending = prepared(
        // From the people's appearances (indexed), never a scan of every
        // proposal.
        "SELECT 1 FROM appearances x JOIN proposals p ON p.appearance_a = x.id JOIN appearances"
        " y ON y.id = p.appearance_b WHERE x.person_key = ?1 AND y.person_key = ?2 AND"
        " p.status = 'open' UNION ALL SELECT 1 FROM appearances x JOIN proposals p ON"
        " p.appearance_a = x.id JOIN appearances y ON y.id = p.appearance_b WHERE x.person_key ="
        " ?2 AND y.person_key = ?1 AND p.status = 'open' LIMIT 1",
        &e);
    if (e)
        return fail(e, error);

    for (ExtractedPerson &p : people) {
        const int kind = p.kind == ExtractedPerson::Kind::Adult ? 1 : 0;
        // What this report says of the people around the person, resolved.
        if (!p.pregnantLocalId.isEmpty())
            p.facts.pregnantPersonKey = keyOf.value(p.pregnantLocalId);
        for (const QString &id : p.parentLocalIds)
            if (keyOf.contains(id))
                p.facts.parentKeys.insert(keyOf.value(id));
        for (const QString &id : p.suspectLocalIds)
            p.report.suspectKeys << keyOf.value(id, id);
        p.report.flags = work.flags;

        const IndexValues values = indexValues(m_keys, p.facts);
        // Candidates: appearances of the same kind in other records that
        // share any index value.
        struct Candidate
        {
            qint64 id;
            QString personKey, baseKey;
            PersonFacts facts;
        };
        QList<Candidate> candidates;
        {
            // Each index value's most recent appearances, a bounded number
            // per value: a flood of records sharing one value (an address,
            // a common sound) cannot push the others out. Then the newest
            // of them all, at most kMaxCandidates.
            sql::Statement &ids = prepared("SELECT appearance_id FROM blind_index WHERE value = ?"
                                           " ORDER BY appearance_id DESC LIMIT 50",
                                           &e);
            if (e)
                return fail(e, error);
            QSet<qint64> seen;
            std::vector<qint64> order;
            for (const QByteArray &v : values.search) {
                ids.reset();
                ids.bindBlob(1, v);
                while (ids.step()) {
                    const qint64 id = ids.columnInt64(0);
                    if (!seen.contains(id)) {
                        seen.insert(id);
                        order.push_back(id);
                    }
                }
                if (ids.error())
                    return fail(ids.error(), error);
            }
            std::sort(order.begin(), order.end(), std::greater<>());
            sql::Statement &one =
                prepared("SELECT id, person_key, facts, owner, record_id, local_id, version,"
                         " base_key, kind FROM appearances WHERE id = ?",
                         &e);
            if (e)
                return fail(e, error);
            for (const qint64 id : order) {
                if (candidates.size() >= kMaxCandidates)
                    break;
                one.reset();
                one.bind(1, std::int64_t(id));
                if (!one.step()) {
                    if (one.error())
                        return fail(one.error(), error);
                    continue;
                }
                if (one.columnInt64(8) != kind ||
                    (one.columnText(3) == work.officerId && one.columnText(4) == work.recordId))
                    continue;
                const auto facts =
                    m_keys.open(one.columnBlob(2),
                                associated(one.columnText(3), one.columnText(4), one.columnText(5),
                                           quint32(one.columnInt64(6)), "facts"));
                if (!facts) {
                    if (error)
                        *error = QStringLiteral("picture store: a sealed value does not open "
                                                "(wrong key, or the file was altered)");
                    return false;
                }
                candidates.append({one.columnInt64(0), one.columnText(1), one.columnText(7),
                                   resolved(factsFrom(*facts))});
            }
        }

        // A person already given to another of this record's people is
        // not this one (one report does not hold a child twice).
        QSet<QString> taken;
        for (auto it = keyOf.cbegin(); it != keyOf.cend(); ++it)
            taken.insert(effective(it.value()));
        const PersonFacts self = resolved(p.facts);
        QString personKey, baseKey;
        // Linked before, through this record's older version, to a person
        // other reports show: still them (a staff merge or an earlier link
        // is not undone by an amendment); other strong matches are
        // proposed, never taken.
        // Only when this is still recognisably them (a household reordered,
        // a different person under a reused id, is matched afresh), and
        // never on a revoked device's word.
        const bool revoked = work.flags.contains(QStringLiteral("sent_by_revoked_device"));
        const auto was = before.constFind(QString::number(kind) + QLatin1Char(':') + p.localId);
        QString previous;
        if (was != before.cend() && !revoked &&
            (self.unborn != was->facts.unborn ||
             compare(self, resolved(was->facts)).strength != MatchStrength::None))
            previous = was->baseKey;
        if (!previous.isEmpty()) {
            sql::Statement &elsewhere =
                prepared("SELECT 1 FROM appearances WHERE person_key = ? LIMIT 1", &e);
            if (e)
                return fail(e, error);
            elsewhere.bind(1, effective(previous));
            if (elsewhere.step()) {
                baseKey = previous;
                personKey = effective(previous);
            }
        }
        QSet<QString> strongKeys;
        QList<std::pair<qint64, MatchResult>> proposals;
        for (const Candidate &c : candidates) {
            MatchResult m;
            if (self.unborn != c.facts.unborn)
                m = self.unborn ? compareUnbornToBorn(self, c.facts)
                                : compareUnbornToBorn(c.facts, self);
            else
                m = compare(self, c.facts);
            if (m.strength == MatchStrength::Strong && !taken.contains(c.personKey))
                strongKeys.insert(c.personKey);
            else if (m.strength != MatchStrength::None)
                proposals.append({c.id, m});
        }
        // One strong match links; strong matches to two people are never
        // settled automatically (a planted appearance must not capture a
        // real child's next report): each becomes a proposal.
        // A revoked device's records may come from whoever holds its
        // credential: never linked automatically.
        if (revoked && personKey.isEmpty() && !strongKeys.isEmpty()) {
            for (const Candidate &c : candidates)
                if (strongKeys.contains(c.personKey)) {
                    MatchResult m;
                    m.strength = MatchStrength::Proposal;
                    m.reasons << QStringLiteral("strong match");
                    m.heldBack = QStringLiteral("sent by a revoked device: a person decides");
                    proposals.append({c.id, m});
                }
            strongKeys.clear();
        }
        if (!personKey.isEmpty()) {
            for (const Candidate &c : candidates)
                if (strongKeys.contains(c.personKey) && c.personKey != personKey) {
                    MatchResult m;
                    m.strength = MatchStrength::Proposal;
                    m.reasons << QStringLiteral("strong match after an amendment");
                    m.heldBack =
                        QStringLiteral("already linked to another person: a person decides");
                    proposals.append({c.id, m});
                }
        } else if (strongKeys.size() == 1) {
            personKey = *strongKeys.cbegin();
            // Linked to the most recent appearance's base: an unmerge
            // keeps the new one with the appearances it matched.
            for (const Candidate &c : candidates)
                if (c.personKey == personKey) {
                    baseKey = c.baseKey;
                    break;
                }
        } else if (strongKeys.size() > 1) {
            for (const Candidate &c : candidates)
                if (strongKeys.contains(c.personKey)) {
                    MatchResult m;
                    m.strength = MatchStrength::Proposal;
                    m.reasons << QStringLiteral("strong match to more than one person");
                    m.heldBack = QStringLiteral("two people match: a person decides");
                    proposals.append({c.id, m});
                }
        }
        if (personKey.isEmpty()) {
            baseKey =
                previous.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : previous;
            personKey = effective(baseKey);
        }
        keyOf.insert(p.localId, baseKey);
        if (kind == 0 || p.victim)
            touchedChildren.insert(personKey); // (an adult victim: escalation)

        insert.reset();
        insert.bind(1, personKey)
            .bind(2, kind)
            .bind(3, work.officerId)
            .bind(4, work.recordId)
            .bind(5, std::int64_t(work.version))
            .bind(6, p.localId)
            .bind(7, p.victim ? 1 : 0)
            .bind(8, p.suspect ? 1 : 0)
            .bind(9, std::int64_t(p.report.occurredUtc.toMSecsSinceEpoch()))
            .bind(10, work.urgent ? 1 : 0)
            .bindBlob(11,
                      m_keys.seal(factsJson(p.facts), associated(work.officerId, work.recordId,
                                                                 p.localId, work.version, "facts")))
            .bindBlob(12, m_keys.seal(reportJson(p.report),
                                      associated(work.officerId, work.recordId, p.localId,
                                                 work.version, "report")))
            .bind(13, baseKey);
        if (!insert.exec())
            return fail(insert.error(), error);
        const qint64 appearance = m_db.lastInsertRowId();
        // A revoked device's appearance is found by nobody: a flood of them
        // cannot crowd a child's own reports out of the candidates.
        for (const QByteArray &v : revoked ? QList<QByteArray>() : values.own) {
            index.reset();
            index.bindBlob(1, v).bind(2, std::int64_t(appearance));
            if (!index.exec())
                return fail(index.error(), error);
        }
        QSet<QString> proposed;
        for (const auto &[candidate, m] : proposals) {
            bool samePerson = false;
            for (const Candidate &c : candidates)
                samePerson = samePerson || (c.id == candidate && c.personKey == personKey);
            if (samePerson)
                continue; // already linked through a strong match
            QString other;
            for (const Candidate &c : candidates)
                if (c.id == candidate)
                    other = c.personKey;
            if (m_notSame.contains({other, personKey}))
                continue; // staff said these two are not one
            // One proposal per pair of people, however many of their
            // reports look alike.
            if (proposed.contains(other))
                continue;
            proposed.insert(other);
            pending.reset();
            pending.bind(1, other).bind(2, personKey);
            if (pending.step())
                continue;
            if (pending.error())
                return fail(pending.error(), error);
            propose.reset();
            propose.bind(1, std::int64_t(candidate))
                .bind(2, std::int64_t(appearance))
                .bind(3, m.reasons.join(QStringLiteral("; ")))
                .bind(4, m.heldBack)
                .bind(5, std::int64_t(work.receivedAtMs));
            if (!propose.exec())
                return fail(propose.error(), error);
        }
    }
    // The Encompass notices this version calls for.
    {
        sql::Statement &due = prepared(
            "INSERT INTO encompass_due(owner, record_id, version, person_key, due_at, detail,"
            " local_id) VALUES (?,?,?,?,?,?,?)",
            &e);
        if (e)
            return fail(e, error);
        for (const EncompassDue &d : encompassNoticesFor(record, m_directory)) {
            const QString key = effective(keyOf.value(d.childId));
            const QJsonObject detail{
                {QStringLiteral("to"), d.to == EncompassDue::To::Setting
                                           ? QStringLiteral("setting")
                                           : QStringLiteral("local_authority")},
                {QStringLiteral("recipient_id"), d.recipientId},
                {QStringLiteral("recipient_name"), d.recipientName},
                {QStringLiteral("routing_note"), d.routingNote},
                {QStringLiteral("language"), d.language == NoticeLanguage::Welsh
                                                 ? QStringLiteral("welsh")
                                                 : QStringLiteral("english")},
                {QStringLiteral("school_day"), d.deadline.schoolDay.toString(Qt::ISODate)},
                {QStringLiteral("deadline_error"), d.deadline.error},
                {QStringLiteral("notice_text"), d.notice.text(d.language)},
            };
            due.reset();
            due.bind(1, work.officerId).bind(2, work.recordId).bind(3, std::int64_t(work.version));
            due.bind(4, key);
            if (d.deadline.ok())
                due.bind(5, std::int64_t(d.deadline.dueUtc.toMSecsSinceEpoch()));
            else
                due.bindNull(5);
            due.bindBlob(6, m_keys.seal(QJsonDocument(detail).toJson(QJsonDocument::Compact),
                                        associated(work.officerId, work.recordId, d.childId,
                                                   work.version, "encompass")));
            due.bind(7, d.childId);
            if (!due.exec())
                return fail(due.error(), error);
        }
    }
    // Children of other reports at the same addresses or with the same
    // suspects: a repeat address or suspect is theirs too now.
    {
        QSet<QByteArray> addresses = oldAddresses;
        QSet<QString> suspects = oldSuspects;
        for (const ExtractedPerson &p : people) {
            if (!p.report.addressKey.isEmpty())
                addresses.insert(m_keys.blindIndex("addr", p.report.addressKey));
            if (p.suspect)
                suspects.insert(effective(keyOf.value(p.localId)));
        }
        sql::Statement &near = prepared(
            "SELECT DISTINCT a.person_key FROM blind_index b JOIN appearances a ON a.id ="
            " b.appearance_id WHERE b.value = ? AND a.kind = 0 ORDER BY a.id DESC LIMIT 200",
            &e);
        if (e)
            return fail(e, error);
        for (const QByteArray &address : addresses) {
            near.reset();
            near.bindBlob(1, address);
            if (!collectFirstColumn(near, touchedChildren))
                return fail(near.error(), error);
        }
        sql::Statement &named = prepared(
            "SELECT DISTINCT c.person_key FROM appearances s JOIN appearances c ON c.owner ="
            " s.owner AND c.record_id = s.record_id AND c.kind = 0 WHERE s.person_key = ? AND"
            " s.suspect = 1 ORDER BY c.id DESC LIMIT 200",
            &e);
        if (e)
            return fail(e, error);
        for (const QString &suspect : suspects) {
            named.reset();
            named.bind(1, suspect);
            if (!collectFirstColumn(named, touchedChildren))
                return fail(named.error(), error);
        }
    }
    sql::Statement &mark =
        prepared("INSERT INTO applied(owner, record_id, version) VALUES (?1, ?2, ?3)"
                 " ON CONFLICT(owner, record_id) DO UPDATE SET version = ?3",
                 &e);
    if (e)
        return fail(e, error);
    mark.bind(1, work.officerId).bind(2, work.recordId).bind(3, std::int64_t(work.version));
    if (!mark.exec())
        return fail(mark.error(), error);
    touched->unite(touchedChildren); // evaluated by the caller, once a batch
    return true;
}

bool SqlitePictureStore::evaluate(const QString &personKey, QString *error)
{
    sql::SqlError e;
    sql::Statement &clear = prepared("DELETE FROM concerns WHERE person_key = ?", &e);
    if (e)
        return fail(e, error);
    clear.bind(1, personKey);
    if (!clear.exec())
        return fail(clear.error(), error);
    QList<Report> reports;
    QList<Report> asVictim;
    bool adult = false;
    {
        sql::Statement &kind =
            prepared("SELECT kind FROM appearances WHERE person_key = ? LIMIT 1", &e);
        if (e)
            return fail(e, error);
        kind.bind(1, personKey);
        adult = kind.step() && kind.columnInt64(0) == 1;
    }
    for (const Appearance &a : history(personKey)) {
        reports << a.report;
        if (a.victim)
            asVictim << a.report;
    }
    // An adult victim's history: potential escalation (MARAC).
    if (adult)
        return storeConcerns(personKey, m_rules.evaluateVictim(asVictim), error);
    if (reports.isEmpty())
        return true;
    // The neighbourhood: every report at this child's addresses and naming
    // their suspects, whoever's child it was about.
    Neighbourhood around;
    sql::Statement &atAddress = prepared(
        "SELECT DISTINCT a.record_id, a.version FROM blind_index b JOIN appearances a ON a.id ="
        " b.appearance_id WHERE b.value = ? LIMIT 1000",
        &e);
    if (e)
        return fail(e, error);
    sql::Statement &withSuspect = prepared(
        "SELECT DISTINCT record_id, version FROM appearances WHERE person_key = ? AND suspect = 1"
        " LIMIT 1000",
        &e);
    if (e)
        return fail(e, error);
    auto collect = [&](sql::Statement &q, QSet<QString> &into) {
        while (q.step())
            into.insert(QStringLiteral("%1 v%2").arg(q.columnText(0)).arg(q.columnInt64(1)));
        return q.error().ok();
    };
    for (const Report &r : reports) {
        if (!r.addressKey.isEmpty() && !around.reportsAtAddress.contains(r.addressKey)) {
            atAddress.reset();
            atAddress.bindBlob(1, m_keys.blindIndex("addr", r.addressKey));
            if (!collect(atAddress, around.reportsAtAddress[r.addressKey]))
                return fail(atAddress.error(), error);
        }
        for (const QString &suspect : r.suspectKeys) {
            if (suspect.isEmpty() || around.reportsWithSuspect.contains(suspect))
                continue;
            withSuspect.reset();
            withSuspect.bind(1, suspect);
            if (!collect(withSuspect, around.reportsWithSuspect[suspect]))
                return fail(withSuspect.error(), error);
        }
    }
    return storeConcerns(personKey, m_rules.evaluateChild(reports, around), error);
}

bool SqlitePictureStore::storeConcerns(const QString &personKey,
                                       const QList<TriggeredRule> &triggered, QString *error)
{
    sql::SqlError e;
    sql::Statement &add = prepared(
        "INSERT INTO concerns(person_key, rule, rules_version, detail) VALUES (?,?,?,?)", &e);
    if (e)
        return fail(e, error);
    for (const TriggeredRule &t : triggered) {
        add.reset();
        add.bind(1, personKey)
            .bind(2, t.rule)
            .bind(3, t.rulesVersion)
            .bindBlob(4, m_keys.seal(QJsonDocument(t.toJson()).toJson(QJsonDocument::Compact),
                                     associated(personKey, t.rule, t.rulesVersion, 0, "concern")));
        if (!add.exec())
            return fail(add.error(), error);
    }
    return true;
}

QList<NoticeDue> SqlitePictureStore::noticesDue()
{
    QList<NoticeDue> out;
    sql::SqlError e;
    // Soonest first; those the calendar cannot date first of all (staff
    // must check them by hand).
    sql::Statement q =
        m_db.prepare("SELECT owner, record_id, version, person_key, due_at, detail, local_id"
                     " FROM encompass_due ORDER BY due_at IS NOT NULL, due_at, rowid",
                     &e);
    if (e)
        return out;
    while (q.step()) {
        NoticeDue n;
        n.owner = q.columnText(0);
        n.recordId = q.columnText(1);
        n.version = quint32(q.columnInt64(2));
        n.personKey = q.columnText(3);
        if (!q.columnIsNull(4))
            n.dueUtc = QDateTime::fromMSecsSinceEpoch(q.columnInt64(4), Qt::UTC);
        const auto detail =
            m_keys.open(q.columnBlob(5),
                        associated(n.owner, n.recordId, q.columnText(6), n.version, "encompass"));
        if (!detail)
            continue;
        n.detail = QJsonDocument::fromJson(*detail).object();
        out << n;
    }
    return out;
}

QList<TriggeredRule> SqlitePictureStore::concerns(const QString &personKey)
{
    QList<TriggeredRule> out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT rule, rules_version, detail FROM concerns WHERE person_key = ? ORDER BY rowid", &e);
    if (e)
        return out;
    q.bind(1, personKey);
    while (q.step()) {
        const auto detail = m_keys.open(
            q.columnBlob(2), associated(personKey, q.columnText(0), q.columnText(1), 0, "concern"));
        if (!detail)
            continue;
        const QJsonObject o = QJsonDocument::fromJson(*detail).object();
        out.append({o.value(QLatin1String("rule")).toString(),
                    o.value(QLatin1String("rules_version")).toString(),
                    o.value(QLatin1String("explanation")).toString(),
                    fromArray(o.value(QLatin1String("evidence")))});
    }
    return out;
}

QString SqlitePictureStore::personKeyOf(const QString &owner, const QString &recordId,
                                        const QString &localId)
{
    sql::SqlError e;
    sql::Statement q = m_db.prepare("SELECT person_key FROM appearances WHERE owner = ? AND"
                                    " record_id = ? AND local_id = ?",
                                    &e);
    if (e)
        return QString();
    q.bind(1, owner).bind(2, recordId).bind(3, localId);
    return q.step() ? q.columnText(0) : QString();
}

QList<Appearance> SqlitePictureStore::chronology(const QString &personKey)
{
    if (!loadMerges(nullptr))
        return {};
    QList<Appearance> out = history(personKey);
    resetCache();
    return out;
}

QList<Appearance> SqlitePictureStore::history(const QString &personKey)
{
    QList<Appearance> out;
    sql::SqlError e;
    sql::Statement &q = prepared(
        "SELECT owner, record_id, version, local_id, victim, suspect, facts, report, kind FROM"
        " appearances WHERE person_key = ? ORDER BY occurred_at, id",
        &e);
    if (e)
        return out;
    q.bind(1, personKey);
    while (q.step()) {
        Appearance a;
        a.personKey = personKey;
        a.owner = q.columnText(0);
        a.recordId = q.columnText(1);
        a.version = quint32(q.columnInt64(2));
        a.localId = q.columnText(3);
        a.victim = q.columnInt64(4) != 0;
        a.suspect = q.columnInt64(5) != 0;
        a.child = q.columnInt64(8) == 0;
        const auto facts = m_keys.open(
            q.columnBlob(6), associated(a.owner, a.recordId, a.localId, a.version, "facts"));
        const auto report = m_keys.open(
            q.columnBlob(7), associated(a.owner, a.recordId, a.localId, a.version, "report"));
        if (!facts || !report)
            continue; // altered: never shown as if it were the record
        a.facts = factsFrom(*facts);
        a.report = reportFrom(*report);
        // References as the people they are now.
        for (QString &k : a.report.suspectKeys)
            k = effective(k);
        out << a;
    }
    return out;
}

QList<MatchProposal> SqlitePictureStore::openProposals()
{
    QList<MatchProposal> out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT p.id, a.person_key, b.person_key, p.reasons, p.held_back FROM proposals p JOIN"
        " appearances a ON a.id = p.appearance_a JOIN appearances b ON b.id = p.appearance_b"
        " WHERE p.status = 'open' AND a.person_key <> b.person_key ORDER BY p.id",
        &e);
    if (e)
        return out;
    while (q.step())
        out.append({q.columnInt64(0), q.columnText(1), q.columnText(2),
                    q.columnText(3).split(QStringLiteral("; "), Qt::SkipEmptyParts),
                    q.columnText(4)});
    return out;
}

QStringList SqlitePictureStore::personKeys(Kind kind)
{
    QStringList out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT DISTINCT person_key FROM appearances WHERE kind = ? ORDER BY person_key", &e);
    if (e)
        return out;
    q.bind(1, kind == Kind::Adult ? 1 : 0);
    while (q.step())
        out << q.columnText(0);
    return out;
}

PictureCounts SqlitePictureStore::counts()
{
    PictureCounts c;
    c.children = m_db.queryInt("SELECT count(DISTINCT person_key) FROM appearances WHERE kind = 0")
                     .value_or(0);
    c.adults = m_db.queryInt("SELECT count(DISTINCT person_key) FROM appearances WHERE kind = 1")
                   .value_or(0);
    c.proposals = m_db.queryInt("SELECT count(*) FROM proposals p JOIN appearances a ON a.id ="
                                " p.appearance_a JOIN appearances b ON b.id = p.appearance_b"
                                " WHERE p.status = 'open' AND a.person_key <> b.person_key")
                      .value_or(0);
    c.rulesTriggered =
        m_db.queryInt("SELECT count(DISTINCT person_key) FROM concerns WHERE person_key IN"
                      " (SELECT person_key FROM appearances WHERE kind = 0)")
            .value_or(0);
    return c;
}

bool SqlitePictureStore::loadMerges(QString *error)
{
    m_mergedInto.clear();
    m_notSame.clear();
    sql::SqlError e;
    sql::Statement q =
        m_db.prepare("SELECT absorbed, survivor FROM merges WHERE undone_at IS NULL", &e);
    if (e)
        return fail(e, error);
    while (q.step())
        m_mergedInto.insert(q.columnText(0), q.columnText(1));
    if (q.error())
        return fail(q.error(), error);
    sql::Statement n = m_db.prepare("SELECT key_a, key_b FROM not_same", &e);
    if (e)
        return fail(e, error);
    while (n.step()) {
        const QString a = effective(n.columnText(0)), b = effective(n.columnText(1));
        m_notSame.insert({a, b});
        m_notSame.insert({b, a});
    }
    return n.error().ok() || fail(n.error(), error);
}

QString SqlitePictureStore::effective(const QString &key) const
{
    QString k = key;
    // Bounded: merges never form a cycle (a survivor is always in force),
    // but a damaged table must not hang the worker.
    for (int i = 0; i < 10000 && m_mergedInto.contains(k); ++i)
        k = m_mergedInto.value(k);
    return k;
}

std::optional<int> SqlitePictureStore::kindOf(const QString &personKey)
{
    sql::SqlError e;
    sql::Statement q =
        m_db.prepare("SELECT kind FROM appearances WHERE person_key = ? LIMIT 1", &e);
    if (e)
        return std::nullopt;
    q.bind(1, personKey);
    if (!q.step())
        return std::nullopt;
    return int(q.columnInt64(0));
}

bool SqlitePictureStore::writeAudit(const StaffAction &action, const char *what,
                                    const QJsonObject &detail, QString *error)
{
    sql::SqlError e;
    sql::Statement q =
        m_db.prepare("INSERT INTO audit(at, actor, action, detail) VALUES (?,?,?,?)", &e);
    if (e)
        return fail(e, error);
    const qint64 id = m_db.queryInt("SELECT coalesce(max(id), 0) + 1 FROM audit").value_or(1);
    q.bind(1, std::int64_t(action.atMs))
        .bind(2, action.actor)
        .bind(3, QString::fromLatin1(what))
        .bindBlob(4, m_keys.seal(QJsonDocument(detail).toJson(QJsonDocument::Compact),
                                 associated(QStringLiteral("audit"), QString::number(id),
                                            action.actor, 0, what)));
    if (!q.exec())
        return fail(q.error(), error);
    return m_db.lastInsertRowId() == id ||
           fail(
               sql::SqlError{sql::SqlErrorKind::Misuse, 0, QStringLiteral("audit id out of order")},
               error);
}

bool SqlitePictureStore::reevaluateAround(const QSet<QString> &keys, QString *error)
{
    QSet<QString> everyone = keys;
    sql::SqlError e;
    sql::Statement around = m_db.prepare(
        "SELECT DISTINCT c.person_key FROM appearances s JOIN appearances c ON c.owner = s.owner"
        " AND c.record_id = s.record_id WHERE s.person_key = ? AND (c.kind = 0 OR c.victim = 1)"
        " LIMIT 500",
        &e);
    if (e)
        return fail(e, error);
    for (const QString &k : keys) {
        around.reset();
        around.bind(1, k);
        if (!collectFirstColumn(around, everyone))
            return fail(around.error(), error);
    }
    for (const QString &k : everyone)
        if (!evaluate(k, error))
            return false;
    return true;
}

bool SqlitePictureStore::repoint(const QSet<QString> &keys, QString *error)
{
    sql::SqlError e;
    sql::Statement pick =
        m_db.prepare("SELECT id, base_key, owner, record_id, local_id, kind FROM appearances"
                     " WHERE person_key = ?",
                     &e);
    if (e)
        return fail(e, error);
    sql::Statement set = m_db.prepare("UPDATE appearances SET person_key = ? WHERE id = ?", &e);
    if (e)
        return fail(e, error);
    sql::Statement notice = m_db.prepare("UPDATE encompass_due SET person_key = ? WHERE owner = ?"
                                         " AND record_id = ? AND local_id = ?",
                                         &e);
    if (e)
        return fail(e, error);
    QSet<QString> now = keys;
    for (const QString &k : keys) {
        struct Row
        {
            qint64 id;
            QString base, owner, record, local;
            bool child;
        };
        QList<Row> rows;
        pick.reset();
        pick.bind(1, k);
        while (pick.step())
            rows.append({pick.columnInt64(0), pick.columnText(1), pick.columnText(2),
                         pick.columnText(3), pick.columnText(4), pick.columnInt64(5) == 0});
        if (pick.error())
            return fail(pick.error(), error);
        for (const Row &r : rows) {
            const QString to = effective(r.base);
            now.insert(to);
            set.reset();
            set.bind(1, to).bind(2, std::int64_t(r.id));
            if (!set.exec())
                return fail(set.error(), error);
            if (r.child) {
                notice.reset();
                notice.bind(1, to).bind(2, r.owner).bind(3, r.record).bind(4, r.local);
                if (!notice.exec())
                    return fail(notice.error(), error);
            }
        }
    }
    return reevaluateAround(now, error);
}

StaffResult SqlitePictureStore::doMerge(const QString &survivor, const QString &absorbed,
                                        const StaffAction &action, qint64 proposalId)
{
    using Code = StaffResult::Code;
    const auto a = kindOf(survivor), b = kindOf(absorbed);
    if (!a || !b)
        return refused(Code::NotFound, QStringLiteral("no such person in the picture"));
    if (survivor == absorbed)
        return refused(Code::Invalid, QStringLiteral("a person cannot be merged with themselves"));
    if (*a != *b)
        return refused(Code::Conflict, QStringLiteral("a child and an adult are never one person"));
    sql::SqlError e;
    sql::Statement together = m_db.prepare(
        "SELECT 1 FROM appearances x JOIN appearances y ON y.owner = x.owner AND y.record_id ="
        " x.record_id WHERE x.person_key = ? AND y.person_key = ? LIMIT 1",
        &e);
    if (e)
        return refused(Code::StorageError, e.message);
    together.bind(1, survivor).bind(2, absorbed);
    if (together.step())
        return refused(Code::Conflict,
                       QStringLiteral("both appear in one report, so they are two people"));
    QString error;
    sql::Statement add =
        m_db.prepare("INSERT INTO merges(survivor, absorbed, at, actor, reason, proposal_id)"
                     " VALUES (?,?,?,?,?,?)",
                     &e);
    if (e)
        return refused(Code::StorageError, e.message);
    const qint64 id = m_db.queryInt("SELECT coalesce(max(id), 0) + 1 FROM merges").value_or(1);
    add.bind(1, survivor)
        .bind(2, absorbed)
        .bind(3, std::int64_t(action.atMs))
        .bind(4, action.actor)
        .bindBlob(5, m_keys.seal(action.reason.toUtf8(),
                                 associated(QStringLiteral("merge"), QString::number(id), survivor,
                                            0, "reason")))
        .bind(6, std::int64_t(proposalId));
    if (!add.exec())
        return refused(Code::StorageError, add.error().message);
    if (m_db.lastInsertRowId() != id)
        return refused(Code::StorageError, QStringLiteral("merge id out of order"));
    if (!loadMerges(&error))
        return refused(Code::StorageError, error);
    if (!repoint({absorbed}, &error) || !writeAudit(action, "merge",
                                                    {{QStringLiteral("merge_id"), id},
                                                     {QStringLiteral("survivor"), survivor},
                                                     {QStringLiteral("absorbed"), absorbed},
                                                     {QStringLiteral("proposal_id"), proposalId},
                                                     {QStringLiteral("reason"), action.reason}},
                                                    &error))
        return refused(Code::StorageError, error);
    StaffResult r;
    r.id = id;
    return r;
}

namespace {
StaffResult checkAction(const StaffAction &action)
{
    if (action.actor.trimmed().isEmpty() || action.reason.trimmed().isEmpty())
        return refused(StaffResult::Code::Invalid,
                       QStringLiteral("say who decides (actor) and why (reason)"));
    if (action.actor.size() > 200 || action.reason.size() > 4000)
        return refused(StaffResult::Code::Invalid,
                       QStringLiteral("actor or reason too long (200 and 4000 characters)"));
    return {};
}
} // namespace

// Each staff action: checked, then done in one transaction or not at all.
template<typename Body>
StaffResult inTransaction(sql::Database &db, const StaffAction &action, Body body)
{
    if (StaffResult r = checkAction(action); !r.ok())
        return r;
    sql::Transaction tx(db);
    if (tx.beginError())
        return refused(StaffResult::Code::StorageError, tx.beginError().message);
    StaffResult r = body();
    if (!r.ok())
        return r; // rolled back
    if (auto c = tx.commit())
        return refused(StaffResult::Code::StorageError, c.message);
    return r;
}

StaffResult SqlitePictureStore::merge(const QString &survivor, const QString &absorbed,
                                      const StaffAction &action)
{
    const StaffResult r = inTransaction(m_db, action, [&] {
        QString error;
        if (!loadMerges(&error))
            return refused(StaffResult::Code::StorageError, error);
        return doMerge(survivor, absorbed, action, 0);
    });
    resetCache(); // nothing keeps a read open after a decision
    return r;
}

StaffResult SqlitePictureStore::unmerge(qint64 mergeId, const StaffAction &action)
{
    using Code = StaffResult::Code;
    const StaffResult r = inTransaction(m_db, action, [&] {
        QString error;
        if (!loadMerges(&error))
            return refused(Code::StorageError, error);
        sql::SqlError e;
        sql::Statement q = m_db.prepare(
            "SELECT survivor, absorbed, undone_at IS NOT NULL FROM merges WHERE id = ?", &e);
        if (e)
            return refused(Code::StorageError, e.message);
        q.bind(1, std::int64_t(mergeId));
        if (!q.step())
            return refused(Code::NotFound, QStringLiteral("no such merge"));
        if (q.columnInt64(2) != 0)
            return refused(Code::Conflict, QStringLiteral("that merge was already undone"));
        const QString survivor = q.columnText(0), absorbed = q.columnText(1);
        // Everyone now under the survivor (merges made since included)
        // goes back to whom their base resolves without this merge.
        const QString now = effective(survivor);
        sql::Statement undo = m_db.prepare(
            "UPDATE merges SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ?", &e);
        if (e)
            return refused(Code::StorageError, e.message);
        undo.bind(1, std::int64_t(action.atMs))
            .bind(2, action.actor)
            .bindBlob(3, m_keys.seal(action.reason.toUtf8(),
                                     associated(QStringLiteral("unmerge"), QString::number(mergeId),
                                                survivor, 0, "reason")))
            .bind(4, std::int64_t(mergeId));
        if (!undo.exec())
            return refused(Code::StorageError, undo.error().message);
        // A proposal confirmed into this merge is open again.
        sql::Statement reopen = m_db.prepare(
            "UPDATE proposals SET status = 'open', decided_at = NULL, decided_by = NULL,"
            " merge_id = NULL WHERE merge_id = ?",
            &e);
        if (e)
            return refused(Code::StorageError, e.message);
        reopen.bind(1, std::int64_t(mergeId));
        if (!reopen.exec())
            return refused(Code::StorageError, reopen.error().message);
        if (!loadMerges(&error) || !repoint({now}, &error) ||
            !writeAudit(action, "unmerge",
                        {{QStringLiteral("merge_id"), mergeId},
                         {QStringLiteral("survivor"), survivor},
                         {QStringLiteral("absorbed"), absorbed},
                         {QStringLiteral("reason"), action.reason}},
                        &error))
            return refused(Code::StorageError, error);
        StaffResult r;
        r.id = mergeId;
        return r;
    });
    resetCache(); // nothing keeps a read open after a decision
    return r;
}

StaffResult SqlitePictureStore::confirmProposal(qint64 proposalId, const StaffAction &action)
{
    return decide(proposalId, action, true);
}

StaffResult SqlitePictureStore::rejectProposal(qint64 proposalId, const StaffAction &action)
{
    return decide(proposalId, action, false);
}

StaffResult SqlitePictureStore::decide(qint64 proposalId, const StaffAction &action, bool same)
{
    using Code = StaffResult::Code;
    const StaffResult r = inTransaction(m_db, action, [&] {
        QString error;
        if (!loadMerges(&error))
            return refused(Code::StorageError, error);
        sql::SqlError e;
        sql::Statement q = m_db.prepare(
            "SELECT a.person_key, b.person_key, a.base_key, b.base_key, p.status FROM proposals p"
            " JOIN appearances a ON a.id = p.appearance_a JOIN appearances b ON b.id ="
            " p.appearance_b WHERE p.id = ?",
            &e);
        if (e)
            return refused(Code::StorageError, e.message);
        q.bind(1, std::int64_t(proposalId));
        if (!q.step())
            return refused(Code::NotFound, QStringLiteral("no such proposal"));
        const QString a = q.columnText(0), b = q.columnText(1);
        const QString baseA = q.columnText(2), baseB = q.columnText(3);
        if (q.columnText(4) != QLatin1String("open") || a == b)
            return refused(Code::Conflict, QStringLiteral("that proposal was already decided"));
        qint64 mergeId = 0;
        if (same) {
            // The earlier person (the proposal's first) survives.
            StaffResult m = doMerge(a, b, action, proposalId);
            if (!m.ok())
                return m;
            mergeId = m.id;
        } else {
            sql::Statement apart =
                m_db.prepare("INSERT OR IGNORE INTO not_same(key_a, key_b) VALUES (?,?)", &e);
            if (e)
                return refused(Code::StorageError, e.message);
            apart.bind(1, baseA).bind(2, baseB);
            if (!apart.exec())
                return refused(Code::StorageError, apart.error().message);
            if (!writeAudit(action, "reject",
                            {{QStringLiteral("proposal_id"), proposalId},
                             {QStringLiteral("person_a"), a},
                             {QStringLiteral("person_b"), b},
                             {QStringLiteral("reason"), action.reason}},
                            &error))
                return refused(Code::StorageError, error);
        }
        sql::Statement mark = m_db.prepare("UPDATE proposals SET status = ?, decided_at = ?,"
                                           " decided_by = ?, merge_id = ? WHERE id = ?",
                                           &e);
        if (e)
            return refused(Code::StorageError, e.message);
        mark.bind(1, same ? QStringLiteral("confirmed") : QStringLiteral("rejected"))
            .bind(2, std::int64_t(action.atMs))
            .bind(3, action.actor);
        if (mergeId)
            mark.bind(4, std::int64_t(mergeId));
        else
            mark.bindNull(4);
        mark.bind(5, std::int64_t(proposalId));
        if (!mark.exec())
            return refused(Code::StorageError, mark.error().message);
        StaffResult r;
        r.id = same ? mergeId : proposalId;
        return r;
    });
    resetCache(); // nothing keeps a read open after a decision
    return r;
}

QList<MergeEntry> SqlitePictureStore::merges(const QString &personKey)
{
    QList<MergeEntry> out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT id, survivor, absorbed, at, actor, reason, proposal_id, undone_at, undone_by,"
        " undo_reason FROM merges WHERE survivor = ?1 OR absorbed = ?1 OR survivor IN (SELECT"
        " base_key FROM appearances WHERE person_key = ?1) OR absorbed IN (SELECT base_key FROM"
        " appearances WHERE person_key = ?1) ORDER BY id",
        &e);
    if (e)
        return out;
    q.bind(1, personKey);
    while (q.step()) {
        MergeEntry m;
        m.id = q.columnInt64(0);
        m.survivor = q.columnText(1);
        m.absorbed = q.columnText(2);
        m.at = QDateTime::fromMSecsSinceEpoch(q.columnInt64(3), Qt::UTC);
        m.actor = q.columnText(4);
        m.reason = QString::fromUtf8(
            m_keys
                .open(q.columnBlob(5), associated(QStringLiteral("merge"), QString::number(m.id),
                                                  m.survivor, 0, "reason"))
                .value_or(QByteArray()));
        m.proposalId = q.columnInt64(6);
        if (!q.columnIsNull(7)) {
            m.undoneAt = QDateTime::fromMSecsSinceEpoch(q.columnInt64(7), Qt::UTC);
            m.undoneBy = q.columnText(8);
            m.undoReason =
                QString::fromUtf8(m_keys
                                      .open(q.columnBlob(9), associated(QStringLiteral("unmerge"),
                                                                        QString::number(m.id),
                                                                        m.survivor, 0, "reason"))
                                      .value_or(QByteArray()));
        }
        out << m;
    }
    return out;
}

QList<AuditEntry> SqlitePictureStore::audit(int limit)
{
    QList<AuditEntry> out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT id, at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?", &e);
    if (e)
        return out;
    q.bind(1, limit);
    while (q.step()) {
        AuditEntry a;
        a.id = q.columnInt64(0);
        a.at = QDateTime::fromMSecsSinceEpoch(q.columnInt64(1), Qt::UTC);
        a.actor = q.columnText(2);
        a.action = q.columnText(3);
        const QByteArray what = a.action.toLatin1();
        const auto detail =
            m_keys.open(q.columnBlob(4), associated(QStringLiteral("audit"), QString::number(a.id),
                                                    a.actor, 0, what.constData()));
        if (!detail)
            continue; // altered: never shown as if it were the trail
        a.detail = QJsonDocument::fromJson(*detail).object();
        out << a;
    }
    return out;
}

QList<Link> SqlitePictureStore::links(const QString &personKey)
{
    QList<Link> out;
    if (!loadMerges(nullptr))
        return out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT o.person_key, o.kind, o.victim, o.suspect, o.record_id, o.version, o.owner,"
        " o.local_id, o.facts FROM appearances s JOIN appearances o ON o.owner = s.owner AND"
        " o.record_id = s.record_id AND o.person_key <> s.person_key WHERE s.person_key = ?"
        " ORDER BY o.occurred_at, o.id LIMIT 2000",
        &e);
    if (e)
        return out;
    q.bind(1, personKey);
    QHash<QString, qsizetype> at;
    while (q.step()) {
        const QString key = q.columnText(0);
        if (!at.contains(key)) {
            at.insert(key, out.size());
            Link l;
            l.personKey = key;
            l.child = q.columnInt64(1) == 0;
            out << l;
        }
        Link &l = out[at.value(key)];
        const auto facts = m_keys.open(q.columnBlob(8),
                                       associated(q.columnText(6), q.columnText(4), q.columnText(7),
                                                  quint32(q.columnInt64(5)), "facts"));
        if (facts)
            l.name = factsFrom(*facts).fullName(); // the latest spelling
        QStringList roles;
        if (l.child)
            roles << QStringLiteral("child");
        if (q.columnInt64(2))
            roles << QStringLiteral("victim");
        if (q.columnInt64(3))
            roles << QStringLiteral("suspect");
        if (roles.isEmpty())
            roles << QStringLiteral("household");
        for (const QString &r : roles)
            if (!l.roles.contains(r))
                l.roles << r;
        const QString evidence =
            QStringLiteral("%1 v%2").arg(q.columnText(4)).arg(q.columnInt64(5));
        if (!l.reports.contains(evidence))
            l.reports << evidence;
    }
    return out;
}

bool SqlitePictureStore::rebuildBlindIndex(QString *error)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), error);
    if (auto c = m_db.exec("DELETE FROM blind_index"))
        return fail(c, error);
    sql::SqlError e;
    sql::Statement all =
        m_db.prepare("SELECT id, owner, record_id, local_id, version, facts FROM appearances", &e);
    if (e)
        return fail(e, error);
    sql::Statement add =
        m_db.prepare("INSERT INTO blind_index(value, appearance_id) VALUES (?,?)", &e);
    if (e)
        return fail(e, error);
    while (all.step()) {
        const auto facts = m_keys.open(
            all.columnBlob(5), associated(all.columnText(1), all.columnText(2), all.columnText(3),
                                          quint32(all.columnInt64(4)), "facts"));
        if (!facts) {
            if (error)
                *error = QStringLiteral("picture store: a sealed value does not open (wrong "
                                        "key, or the file was altered)");
            return false;
        }
        for (const QByteArray &v : indexValues(m_keys, factsFrom(*facts)).own) {
            add.reset();
            add.bindBlob(1, v).bind(2, std::int64_t(all.columnInt64(0)));
            if (!add.exec())
                return fail(add.error(), error);
        }
    }
    if (all.error())
        return fail(all.error(), error);
    if (auto c = tx.commit())
        return fail(c, error);
    return true;
}

bool SqlitePictureStore::adoptRules(const QByteArray &fingerprint, QString *error)
{
    sql::SqlError e;
    sql::Statement q = m_db.prepare("SELECT value FROM meta WHERE name = 'rules'", &e);
    if (e)
        return fail(e, error);
    const QString was = q.step() ? q.columnText(0) : QString();
    const QString now = QString::fromLatin1(fingerprint);
    const bool empty = m_db.queryInt("SELECT count(*) FROM appearances").value_or(0) == 0;
    if (was == now)
        return true;
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), error);
    if (!empty) {
        if (!loadMerges(error))
            return false;
        QStringList everyone;
        sql::Statement all = m_db.prepare("SELECT DISTINCT person_key FROM appearances WHERE"
                                          " kind = 0 OR victim = 1",
                                          &e);
        if (e)
            return fail(e, error);
        while (all.step())
            everyone << all.columnText(0);
        if (all.error())
            return fail(all.error(), error);
        if (auto c = m_db.exec("DELETE FROM concerns"))
            return fail(c, error);
        for (const QString &k : everyone)
            if (!evaluate(k, error))
                return false;
        m_reevaluated = int(everyone.size());
        resetCache();
    }
    sql::Statement set = m_db.prepare(
        "INSERT INTO meta(name, value) VALUES ('rules', ?1) ON CONFLICT(name) DO UPDATE SET"
        " value = ?1",
        &e);
    if (e)
        return fail(e, error);
    set.bind(1, now);
    if (!set.exec())
        return fail(set.error(), error);
    if (auto c = tx.commit())
        return fail(c, error);
    return true;
}

} // namespace

std::unique_ptr<PictureStore>
PictureStore::openSqlite(const QString &path, const PictureKeys &keys, QString *error,
                         bool readOnly, const ConcernRules *rules,
                         const EncompassDirectory *directory,
                         std::shared_ptr<const protocol::RiskChecklistRegistry> checklists)
{
    sql::SqlError e;
    auto db = sql::Database::open(path,
                                  readOnly ? sql::Database::OpenMode::ReadOnly
                                           : sql::Database::OpenMode::ReadWriteCreate,
                                  &e);
    if (!db) {
        if (error)
            *error = QStringLiteral("cannot open the picture store: %1").arg(e.message);
        return nullptr;
    }
    const auto setUp = [&](const char *sqlText) {
        if (auto s = db->exec(sqlText)) {
            if (error)
                *error = QStringLiteral("cannot set up the picture store: %1").arg(s.message);
            return false;
        }
        return true;
    };
    bool migrated = false;
    if (readOnly) {
        if (!setUp("PRAGMA busy_timeout = 10000; PRAGMA query_only = ON;"))
            return nullptr;
    } else {
        if (!setUp("PRAGMA busy_timeout = 10000;"))
            return nullptr;
        const bool made = db->queryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                       " AND name = 'appearances'")
                              .value_or(0) > 0;
        const qint64 version = db->queryInt("PRAGMA user_version").value_or(0);
        if (version > 2) {
            if (error)
                *error = QStringLiteral("the picture store is from a newer hub (schema %1)")
                             .arg(version);
            return nullptr;
        }
        migrated = made && version == 1;
        if (migrated) {
            sql::Transaction tx(*db);
            if (tx.beginError() || !setUp(kMigrateFrom1) || tx.commit())
                return nullptr;
        }
        if (!setUp(kSchema))
            return nullptr;
    }
    const ConcernRules &r = rules ? *rules : ConcernRules::builtIn();
    auto store = std::make_unique<SqlitePictureStore>(
        std::move(*db), keys, r, directory ? *directory : EncompassDirectory::builtIn(),
        checklists ? std::move(checklists) : protocol::RiskChecklistRegistry::sharedBuiltIns());
    // What is indexed, and how names are normalised for it: a picture
    // indexed otherwise is indexed again from its sealed facts.
    if (!readOnly) {
        const std::optional<qint64> indexed = store->metaInt("index_version");
        if (indexed.value_or(migrated ? 1 : 0) != kIndexVersion) {
            if (!store->rebuildBlindIndex(error) ||
                !store->setMeta("index_version", QString::number(kIndexVersion), error))
                return nullptr;
        }
    }
    if (!readOnly && !store->adoptRules(r.fingerprint(), error))
        return nullptr;
    return store;
}

int runPictureWork(HubStore &hub, PictureStore &picture, const QString &worker, qint64 nowMs,
                   int limit, QString *error, int *skipped)
{
    constexpr qint64 kLeaseMs = 5 * 60 * 1000;
    HubStoreError e;
    const auto work = hub.claimPictureWork(worker, limit, nowMs, kLeaseMs, &e);
    if (!work) {
        if (error)
            *error = e.message;
        return -1;
    }
    int applied = 0;
    std::vector<qint64> done;
    std::vector<std::pair<PictureWork, v1::IncidentRecord>> batch;
    for (const PictureWork &w : *work) {
        v1::IncidentRecord record;
        if (!record.ParseFromArray(w.bytes.constData(), int(w.bytes.size()))) {
            if (skipped)
                ++*skipped;
            done.push_back(w.rowid);
            continue;
        }
        batch.emplace_back(w, std::move(record));
    }
    // One durable commit for the lot; a version that fails stays queued
    // (claimed again after its lease) and the rest go on.
    std::vector<bool> ok = picture.applyBatch(batch, error);
    // The whole batch failed (a lock not had, a failure in the shared
    // evaluation): each version alone, so only one that really fails
    // keeps its place in the queue (and its attempt counted).
    if (batch.size() > 1 && std::none_of(ok.begin(), ok.end(), [](bool b) { return b; }))
        for (std::size_t i = 0; i < batch.size(); ++i)
            ok[i] = picture.apply(batch[i].first, batch[i].second, error);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!ok[i])
            continue;
        ++applied;
        done.push_back(batch[i].first.rowid);
    }
    if (!done.empty()) {
        if (const HubStoreError f = hub.finishPictureWork(worker, done); !f.ok()) {
            if (error)
                *error = f.message;
            return -1;
        }
    }
    return applied;
}

} // namespace safeguard::hub::picture
