#include "picturestore.h"

#include "encompass.h"
#include "facts.h"
#include "sqlite/sqldatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace safeguard::hub::picture {

namespace {

// The picture's worker writes while staff commands read: wait for a lock
// rather than fail.
const char *kSchema = R"SQL(
PRAGMA busy_timeout = 10000;
PRAGMA journal_mode = WAL;
-- Durable before the queue entry is finished in hub.db, or work is lost.
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS appearances (
  id INTEGER PRIMARY KEY,
  person_key TEXT NOT NULL,
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
CREATE INDEX IF NOT EXISTS blind_index_value ON blind_index(value);
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
  status TEXT NOT NULL DEFAULT 'open',
  created_at INTEGER NOT NULL
);
PRAGMA user_version = 1;
)SQL";

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
                           {QStringLiteral("suspects"), toArray(r.suspectKeys)}})
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
    if (!family.isEmpty() && !given.isEmpty())
        add("sound", names::soundex(family) + QLatin1Char('|') + names::soundex(given));
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
    SqlitePictureStore(sql::Database db, const PictureKeys &keys)
        : m_db(std::move(db))
        , m_keys(keys)
    {}

    bool apply(const PictureWork &work, const v1::IncidentRecord &record, QString *error) override;
    QString personKeyOf(const QString &owner, const QString &recordId,
                        const QString &localId) override;
    QList<Appearance> chronology(const QString &personKey) override;
    QList<MatchProposal> openProposals() override;
    PictureCounts counts() override;
    QStringList personKeys(Kind kind) override;
    QList<TriggeredRule> concerns(const QString &personKey) override;
    QList<NoticeDue> noticesDue() override;

private:
    // Rewrites the rules triggered on one child's whole history (or an
    // adult victim's).
    bool evaluate(const QString &personKey, QString *error);
    bool storeConcerns(const QString &personKey, const QList<TriggeredRule> &triggered,
                       QString *error);
    bool fail(const sql::SqlError &e, QString *error)
    {
        if (error)
            *error = QStringLiteral("picture store: %1").arg(e.message);
        return false;
    }

    sql::Database m_db;
    const PictureKeys &m_keys;
};

bool SqlitePictureStore::apply(const PictureWork &work, const v1::IncidentRecord &record,
                               QString *error)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), error);
    sql::SqlError e;

    // A version already taken (or a newer one): nothing to do.
    sql::Statement held = m_db.prepare(
        "SELECT coalesce(max(version), 0) FROM applied WHERE owner = ? AND record_id = ?", &e);
    if (e)
        return fail(e, error);
    held.bind(1, work.officerId).bind(2, work.recordId);
    if (!held.step())
        return fail(held.error(), error);
    if (held.columnInt64(0) >= qint64(work.version)) {
        if (auto c = tx.commit())
            return fail(c, error);
        return true;
    }
    QSet<QString> touchedChildren;
    {
        // The children the replaced version named: their history changed.
        sql::Statement was = m_db.prepare("SELECT DISTINCT person_key FROM appearances WHERE"
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
        sql::Statement del = m_db.prepare(sqlText, &e);
        if (e)
            return fail(e, error);
        del.bind(1, work.officerId).bind(2, work.recordId);
        if (!del.exec())
            return fail(del.error(), error);
    }

    QList<ExtractedPerson> people =
        extractPeople(record, QDateTime::fromMSecsSinceEpoch(work.receivedAtMs, Qt::UTC));
    std::stable_partition(people.begin(), people.end(), [](const ExtractedPerson &p) {
        return p.kind == ExtractedPerson::Kind::Adult;
    });
    QHash<QString, QString> keyOf; // local id -> person key

    sql::Statement insert = m_db.prepare(
        "INSERT INTO appearances(person_key, kind, owner, record_id, version, local_id, victim,"
        " suspect, occurred_at, urgent, facts, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        &e);
    if (e)
        return fail(e, error);
    sql::Statement index =
        m_db.prepare("INSERT INTO blind_index(value, appearance_id) VALUES (?,?)", &e);
    if (e)
        return fail(e, error);
    sql::Statement propose = m_db.prepare(
        "INSERT INTO proposals(appearance_a, appearance_b, reasons, held_back, created_at)"
        " VALUES (?,?,?,?,?)",
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

        const IndexValues values = indexValues(m_keys, p.facts);
        // Candidates: appearances of the same kind in other records that
        // share any index value.
        QString placeholders;
        for (int i = 0; i < values.search.size(); ++i)
            placeholders += i ? QStringLiteral(",?") : QStringLiteral("?");
        struct Candidate
        {
            qint64 id;
            QString personKey;
            PersonFacts facts;
        };
        QList<Candidate> candidates;
        if (!values.search.isEmpty()) {
            sql::Statement find = m_db.prepare(
                // Ids first (never DISTINCT over sealed blobs), then the
                // most recent of them.
                QStringLiteral("SELECT a.id, a.person_key, a.facts, a.owner, a.record_id,"
                               " a.local_id, a.version FROM appearances a WHERE a.id IN (SELECT"
                               " b.appearance_id FROM blind_index b WHERE b.value IN (%1)) AND"
                               " a.kind = ? AND NOT (a.owner = ? AND a.record_id = ?)"
                               " ORDER BY a.id DESC LIMIT %2")
                    .arg(placeholders)
                    .arg(kMaxCandidates)
                    .toStdString(),
                &e);
            if (e)
                return fail(e, error);
            int n = 1;
            for (const QByteArray &v : values.search)
                find.bindBlob(n++, v);
            find.bind(n, kind);
            find.bind(n + 1, work.officerId);
            find.bind(n + 2, work.recordId);
            while (find.step()) {
                const auto facts = m_keys.open(find.columnBlob(2),
                                               associated(find.columnText(3), find.columnText(4),
                                                          find.columnText(5),
                                                          quint32(find.columnInt64(6)), "facts"));
                if (!facts) {
                    if (error)
                        *error = QStringLiteral("picture store: a sealed value does not open "
                                                "(wrong key, or the file was altered)");
                    return false;
                }
                candidates.append({find.columnInt64(0), find.columnText(1), factsFrom(*facts)});
            }
            if (find.error())
                return fail(find.error(), error);
        }

        // A person already given to another of this record's people is
        // not this one (one report does not hold a child twice).
        QSet<QString> taken;
        for (auto it = keyOf.cbegin(); it != keyOf.cend(); ++it)
            taken.insert(it.value());
        QString personKey;
        QSet<QString> strongKeys;
        QList<std::pair<qint64, MatchResult>> proposals;
        for (const Candidate &c : candidates) {
            MatchResult m;
            if (p.facts.unborn != c.facts.unborn)
                m = p.facts.unborn ? compareUnbornToBorn(p.facts, c.facts)
                                   : compareUnbornToBorn(c.facts, p.facts);
            else
                m = compare(p.facts, c.facts);
            if (m.strength == MatchStrength::Strong && !taken.contains(c.personKey))
                strongKeys.insert(c.personKey);
            else if (m.strength != MatchStrength::None)
                proposals.append({c.id, m});
        }
        // One strong match links; strong matches to two people are never
        // settled automatically (a planted appearance must not capture a
        // real child's next report): each becomes a proposal.
        if (strongKeys.size() == 1) {
            personKey = *strongKeys.cbegin();
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
        if (personKey.isEmpty())
            personKey = QUuid::createUuid().toString(QUuid::WithoutBraces);
        keyOf.insert(p.localId, personKey);
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
                                                 work.version, "report")));
        if (!insert.exec())
            return fail(insert.error(), error);
        const qint64 appearance = m_db.lastInsertRowId();
        for (const QByteArray &v : values.own) {
            index.reset();
            index.bindBlob(1, v).bind(2, std::int64_t(appearance));
            if (!index.exec())
                return fail(index.error(), error);
        }
        for (const auto &[candidate, m] : proposals) {
            bool samePerson = false;
            for (const Candidate &c : candidates)
                samePerson = samePerson || (c.id == candidate && c.personKey == personKey);
            if (samePerson)
                continue; // already linked through a strong match
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
        sql::Statement due = m_db.prepare(
            "INSERT INTO encompass_due(owner, record_id, version, person_key, due_at, detail)"
            " VALUES (?,?,?,?,?,?)",
            &e);
        if (e)
            return fail(e, error);
        for (const EncompassDue &d : encompassNoticesFor(record, EncompassDirectory::builtIn())) {
            const QString key = keyOf.value(d.childId);
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
            if (!due.exec())
                return fail(due.error(), error);
        }
    }
    // Children of other reports at the same addresses or with the same
    // suspects: a repeat address or suspect is theirs too now.
    {
        QSet<QByteArray> addresses;
        QSet<QString> suspects;
        for (const ExtractedPerson &p : people) {
            if (!p.report.addressKey.isEmpty())
                addresses.insert(m_keys.blindIndex("addr", p.report.addressKey));
            if (p.suspect)
                suspects.insert(keyOf.value(p.localId));
        }
        sql::Statement near = m_db.prepare(
            "SELECT DISTINCT a.person_key FROM blind_index b JOIN appearances a ON a.id ="
            " b.appearance_id WHERE b.value = ? AND a.kind = 0 ORDER BY a.id DESC LIMIT 200",
            &e);
        if (e)
            return fail(e, error);
        for (const QByteArray &address : addresses) {
            near.reset();
            near.bindBlob(1, address);
            while (near.step())
                touchedChildren.insert(near.columnText(0));
            if (near.error())
                return fail(near.error(), error);
        }
        sql::Statement named = m_db.prepare(
            "SELECT DISTINCT c.person_key FROM appearances s JOIN appearances c ON c.owner ="
            " s.owner AND c.record_id = s.record_id AND c.kind = 0 WHERE s.person_key = ? AND"
            " s.suspect = 1 ORDER BY c.id DESC LIMIT 200",
            &e);
        if (e)
            return fail(e, error);
        for (const QString &suspect : suspects) {
            named.reset();
            named.bind(1, suspect);
            while (named.step())
                touchedChildren.insert(named.columnText(0));
            if (named.error())
                return fail(named.error(), error);
        }
    }
    sql::Statement mark =
        m_db.prepare("INSERT INTO applied(owner, record_id, version) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT(owner, record_id) DO UPDATE SET version = ?3",
                     &e);
    if (e)
        return fail(e, error);
    mark.bind(1, work.officerId).bind(2, work.recordId).bind(3, std::int64_t(work.version));
    if (!mark.exec())
        return fail(mark.error(), error);
    for (const QString &child : touchedChildren)
        if (!evaluate(child, error))
            return false;
    if (auto c = tx.commit())
        return fail(c, error);
    return true;
}

bool SqlitePictureStore::evaluate(const QString &personKey, QString *error)
{
    sql::SqlError e;
    sql::Statement clear = m_db.prepare("DELETE FROM concerns WHERE person_key = ?", &e);
    if (e)
        return fail(e, error);
    clear.bind(1, personKey);
    if (!clear.exec())
        return fail(clear.error(), error);
    QList<Report> reports;
    QList<Report> asVictim;
    bool adult = false;
    {
        sql::Statement kind =
            m_db.prepare("SELECT kind FROM appearances WHERE person_key = ? LIMIT 1", &e);
        if (e)
            return fail(e, error);
        kind.bind(1, personKey);
        adult = kind.step() && kind.columnInt64(0) == 1;
    }
    for (const Appearance &a : chronology(personKey)) {
        reports << a.report;
        if (a.victim)
            asVictim << a.report;
    }
    // An adult victim's history: potential escalation (MARAC).
    if (adult)
        return storeConcerns(personKey, ConcernRules::builtIn().evaluateVictim(asVictim), error);
    if (reports.isEmpty())
        return true;
    // The neighbourhood: every report at this child's addresses and naming
    // their suspects, whoever's child it was about.
    Neighbourhood around;
    sql::Statement atAddress = m_db.prepare(
        "SELECT DISTINCT a.record_id, a.version FROM blind_index b JOIN appearances a ON a.id ="
        " b.appearance_id WHERE b.value = ? LIMIT 1000",
        &e);
    if (e)
        return fail(e, error);
    sql::Statement withSuspect = m_db.prepare(
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
    return storeConcerns(personKey, ConcernRules::builtIn().evaluateChild(reports, around), error);
}

bool SqlitePictureStore::storeConcerns(const QString &personKey,
                                       const QList<TriggeredRule> &triggered, QString *error)
{
    sql::SqlError e;
    sql::Statement add = m_db.prepare(
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
    sql::Statement q = m_db.prepare(
        "SELECT d.owner, d.record_id, d.version, d.person_key, d.due_at, d.detail, a.local_id"
        " FROM encompass_due d JOIN appearances a ON a.owner = d.owner AND a.record_id ="
        " d.record_id AND a.person_key = d.person_key AND a.kind = 0"
        " ORDER BY d.due_at IS NOT NULL, d.due_at, d.rowid",
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
    QList<Appearance> out;
    sql::SqlError e;
    sql::Statement q = m_db.prepare(
        "SELECT owner, record_id, version, local_id, victim, suspect, facts, report FROM"
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
        const auto facts = m_keys.open(
            q.columnBlob(6), associated(a.owner, a.recordId, a.localId, a.version, "facts"));
        const auto report = m_keys.open(
            q.columnBlob(7), associated(a.owner, a.recordId, a.localId, a.version, "report"));
        if (!facts || !report)
            continue; // altered: never shown as if it were the record
        a.facts = factsFrom(*facts);
        a.report = reportFrom(*report);
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
        " WHERE p.status = 'open' ORDER BY p.id",
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
    c.proposals = m_db.queryInt("SELECT count(*) FROM proposals WHERE status = 'open'").value_or(0);
    c.rulesTriggered =
        m_db.queryInt("SELECT count(DISTINCT person_key) FROM concerns WHERE person_key IN"
                      " (SELECT person_key FROM appearances WHERE kind = 0)")
            .value_or(0);
    return c;
}

} // namespace

std::unique_ptr<PictureStore> PictureStore::openSqlite(const QString &path, const PictureKeys &keys,
                                                       QString *error, bool readOnly)
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
    if (auto s =
            db->exec(readOnly ? "PRAGMA busy_timeout = 10000; PRAGMA query_only = ON;" : kSchema)) {
        if (error)
            *error = QStringLiteral("cannot set up the picture store: %1").arg(s.message);
        return nullptr;
    }
    return std::make_unique<SqlitePictureStore>(std::move(*db), keys);
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
    for (const PictureWork &w : *work) {
        v1::IncidentRecord record;
        if (!record.ParseFromArray(w.bytes.constData(), int(w.bytes.size()))) {
            if (skipped)
                ++*skipped;
            done.push_back(w.rowid);
            continue;
        }
        if (!picture.apply(w, record, error))
            continue; // claimed again after its lease; the rest go on
        ++applied;
        done.push_back(w.rowid);
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
