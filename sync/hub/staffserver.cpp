#include "staffserver.h"

#include "protocol/loopbackaddress.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QRegularExpression>
#include <arpa/inet.h>
#include <cstring>
#include <microhttpd.h>
#include <netinet/in.h>

namespace safeguard::hub {

namespace {

QMutex g_storeMutex; // one connection, one request at a time

QByteArray json(const QJsonValue &v)
{
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                       : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

QByteArray error(const char *code)
{
    return json(QJsonObject{{QStringLiteral("error"), QLatin1String(code)}});
}

QString enumName(const google::protobuf::EnumDescriptor *d, int value)
{
    const auto *v = d->FindValueByNumber(value);
    return v ? QString::fromStdString(v->name()).toLower() : QString::number(value);
}

QJsonObject reportJson(const picture::Appearance &a)
{
    const picture::Report &r = a.report;
    QJsonArray aces;
    for (int c : r.aceCategories)
        aces.append(enumName(v1::Indicator_descriptor(), c));
    return {
        {QStringLiteral("record_id"), a.recordId},
        {QStringLiteral("version"), qint64(a.version)},
        {QStringLiteral("officer_id"), a.owner},
        {QStringLiteral("occurred_at_utc"), r.occurredUtc.toString(Qt::ISODate)},
        {QStringLiteral("received_at_utc"), r.receivedUtc.toString(Qt::ISODate)},
        {QStringLiteral("incident_type"), enumName(v1::IncidentType_descriptor(), r.type)},
        {QStringLiteral("unborn"), r.unborn},
        {QStringLiteral("grade"), enumName(v1::Grade_descriptor(), r.grade)},
        {QStringLiteral("age_years"), r.ageYears ? QJsonValue(*r.ageYears) : QJsonValue()},
        {QStringLiteral("presence"), enumName(v1::Presence_descriptor(), r.presence)},
        {QStringLiteral("seen"), enumName(v1::Answer_descriptor(), r.seen)},
        {QStringLiteral("spoken_to"), enumName(v1::Answer_descriptor(), r.spokenTo)},
        {QStringLiteral("spoken_to_alone"), enumName(v1::Answer_descriptor(), r.spokenToAlone)},
        {QStringLiteral("ace_indicators"), aces},
        {QStringLiteral("protection_notice"),
         enumName(v1::Answer_descriptor(), r.protectionNotice)},
        {QStringLiteral("encompass_in_scope"), r.encompassInScope},
        {QStringLiteral("encompass_notice"), enumName(v1::Answer_descriptor(), r.encompassNotice)},
        {QStringLiteral("victim"), a.victim},
        {QStringLiteral("suspect"), a.suspect},
        // The incident's risk as scored on the instrument it was answered
        // on, and why (the triggers and clusters that set it).
        {QStringLiteral("risk_level"), enumName(v1::RiskLevel_descriptor(), r.riskLevel)},
        {QStringLiteral("risk_reasons"), QJsonArray::fromStringList(r.riskReasons)},
        {QStringLiteral("risk_outcome"), r.riskOutcome}};
}

QJsonObject who(const picture::PersonFacts &f)
{
    return {{QStringLiteral("name"), f.fullName()},
            {QStringLiteral("date_of_birth"), f.dateOfBirth.isValid()
                                                  ? QJsonValue(f.dateOfBirth.toString(Qt::ISODate))
                                                  : QJsonValue()},
            {QStringLiteral("school_urn"), f.schoolUrn}};
}

// One request as it arrives: a POST's body, bounded.
struct Request
{
    QByteArray body;
    bool tooLarge = false;
};

constexpr qsizetype kMaxBody = 16 * 1024;

MHD_Result send(MHD_Connection *connection, unsigned status, const QByteArray &body)
{
    MHD_Response *response = MHD_create_response_from_buffer(
        size_t(body.size()), const_cast<char *>(body.constData()), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    const MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return queued;
}

MHD_Result collectArgument(void *cls, MHD_ValueKind, const char *key, const char *value)
{
    auto *query = static_cast<QHash<QString, QString> *>(cls);
    if (key && query->size() < 32)
        query->insert(QString::fromUtf8(key), value ? QString::fromUtf8(value) : QString());
    return MHD_YES;
}

void completed(void *, MHD_Connection *, void **state, MHD_RequestTerminationCode)
{
    delete static_cast<Request *>(*state);
    *state = nullptr;
}

MHD_Result handle(void *cls, MHD_Connection *connection, const char *url, const char *method,
                  const char *, const char *uploadData, size_t *uploadSize, void **state)
{
    // The first call only announces the request; a body over 16 KiB by
    // its length closes the connection unread.
    if (*state == nullptr) {
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && QByteArray(length).toLongLong() > kMaxBody)
            return MHD_NO;
        *state = new Request;
        return MHD_YES;
    }
    auto *request = static_cast<Request *>(*state);
    if (*uploadSize > 0) {
        if (request->body.size() + qsizetype(*uploadSize) > kMaxBody)
            return MHD_NO; // chunked past the bound: closed, never read on
        else
            request->body.append(uploadData, qsizetype(*uploadSize));
        *uploadSize = 0;
        return MHD_YES;
    }
    auto *server = static_cast<StaffServer *>(cls);
    // Only a loopback Host: a web page elsewhere that rebinds its name to
    // 127.0.0.1 sends its own name here, and is refused.
    const char *hostHeader =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const QString host = hostHeader ? QString::fromLatin1(hostHeader) : QString();
    // "127.0.0.1:8444", "localhost" is not accepted (a name), "[::1]:8444"
    // and "[::1]" are.
    QString hostOnly = host;
    if (host.startsWith(QLatin1Char('['))) {
        const qsizetype close = host.indexOf(QLatin1Char(']'));
        hostOnly = close > 0 ? host.mid(1, close - 1) : QString();
    } else if (const qsizetype colon = host.lastIndexOf(QLatin1Char(':')); colon > 0) {
        hostOnly = host.left(colon);
    }
    if (!protocol::isLoopbackLiteral(hostOnly))
        return send(connection, MHD_HTTP_MISDIRECTED_REQUEST, error("host_not_loopback"));
    const QString verb = QString::fromLatin1(method);
    if (verb == QLatin1String("POST")) {
        if (request->tooLarge)
            return send(connection, 413, error("body_too_large"));
        // JSON only: a page elsewhere cannot send it without a preflight
        // this listener never answers (no form post decides for staff).
        const char *type =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!type || !QByteArray(type).startsWith("application/json"))
            return send(connection, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, error("json_only"));
    }
    QHash<QString, QString> query;
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &collectArgument, &query);
    const StaffServer::Answer a = server->answer(verb, QString::fromUtf8(url), query, request->body,
                                                 QDateTime::currentMSecsSinceEpoch());
    return send(connection, a.status, a.body);
}

QString isoOrEmpty(const QDateTime &t)
{
    return t.isValid() ? t.toString(Qt::ISODate) : QString();
}

QJsonObject linkJson(const picture::Link &l)
{
    return {{QStringLiteral("person_key"), l.personKey},
            {QStringLiteral("kind"), l.child ? QStringLiteral("child") : QStringLiteral("adult")},
            {QStringLiteral("name"), l.name},
            {QStringLiteral("roles"), QJsonArray::fromStringList(l.roles)},
            {QStringLiteral("reports"), QJsonArray::fromStringList(l.reports)}};
}

QJsonObject mergeJson(const picture::MergeEntry &m)
{
    QJsonObject o{{QStringLiteral("id"), m.id},
                  {QStringLiteral("survivor"), m.survivor},
                  {QStringLiteral("absorbed"), m.absorbed},
                  {QStringLiteral("actor"), m.actor},
                  {QStringLiteral("reason"), m.reason},
                  {QStringLiteral("at_utc"), isoOrEmpty(m.at)},
                  {QStringLiteral("proposal_id"), m.proposalId}};
    if (m.undoneAt.isValid()) {
        o.insert(QStringLiteral("undone_at_utc"), isoOrEmpty(m.undoneAt));
        o.insert(QStringLiteral("undone_by"), m.undoneBy);
        o.insert(QStringLiteral("undo_reason"), m.undoReason);
    }
    return o;
}

unsigned statusOf(picture::StaffResult::Code c)
{
    using Code = picture::StaffResult::Code;
    switch (c) {
    case Code::Ok:
        return 200;
    case Code::NotFound:
        return 404;
    case Code::Invalid:
        return 400;
    case Code::Conflict:
        return 409;
    case Code::StorageError:
        return 503;
    }
    return 500;
}

const char *codeName(picture::StaffResult::Code c)
{
    using Code = picture::StaffResult::Code;
    switch (c) {
    case Code::Ok:
        return "ok";
    case Code::NotFound:
        return "not_found";
    case Code::Invalid:
        return "invalid";
    case Code::Conflict:
        return "conflict";
    case Code::StorageError:
        return "storage_error";
    }
    return "error";
}

} // namespace

StaffServer::StaffServer(std::unique_ptr<picture::PictureStore> store, QString listen)
    : m_store(std::move(store))
    , m_listen(std::move(listen))
{}

StaffServer::~StaffServer()
{
    if (m_daemon)
        MHD_stop_daemon(m_daemon);
}

bool StaffServer::start(QString *error)
{
    const qsizetype colon = m_listen.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const uint port = colon > 0 ? m_listen.mid(colon + 1).toUInt(&portOk) : 0;
    const QString host = colon > 0 ? m_listen.left(colon) : QString();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(quint16(port));
    if (!portOk || port > 65535 ||
        inet_pton(AF_INET, host.toLatin1().constData(), &address.sin_addr) != 1 ||
        !protocol::isLoopbackLiteral(host)) {
        if (error)
            *error = QStringLiteral("--staff-listen wants a loopback IPV4:PORT, e.g. "
                                    "127.0.0.1:8444, until staff accounts exist (got %1)")
                         .arg(m_listen);
        return false;
    }
    m_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, quint16(port),
                                nullptr, nullptr, &handle, this, MHD_OPTION_SOCK_ADDR,
                                reinterpret_cast<sockaddr *>(&address), MHD_OPTION_CONNECTION_LIMIT,
                                64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, size_t(64 * 1024),
                                MHD_OPTION_NOTIFY_COMPLETED, &completed, nullptr, MHD_OPTION_END);
    if (!m_daemon) {
        if (error)
            *error = QStringLiteral("cannot listen on %1 for staff").arg(m_listen);
        return false;
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_BIND_PORT);
    m_url = QStringLiteral("http://%1:%2").arg(host).arg(info ? info->port : port);
    return true;
}

StaffServer::Answer StaffServer::answer(const QString &method, const QString &path,
                                        const QHash<QString, QString> &query,
                                        const QByteArray &body, qint64 nowMs)
{
    static const QRegularExpression child(QStringLiteral("^/staff/v1/children/([0-9a-f-]{36})$"));
    static const QRegularExpression adult(QStringLiteral("^/staff/v1/adults/([0-9a-f-]{36})$"));
    if (!path.startsWith(QLatin1String("/staff/v1/")))
        return {404, error("not_found")};
    QMutexLocker lock(&g_storeMutex);
    if (method == QLatin1String("POST"))
        return decide(method, path, body, nowMs);
    if (method != QLatin1String("GET"))
        return {405, error("method_not_allowed")};

    if (path == QLatin1String("/staff/v1/children"))
        return children(query);
    if (const auto m = child.match(path); m.hasMatch())
        return person(m.captured(1), true);
    if (const auto m = adult.match(path); m.hasMatch())
        return person(m.captured(1), false);
    if (path == QLatin1String("/staff/v1/adults")) {
        QJsonArray out;
        for (const QString &key : m_store->personKeys(picture::PictureStore::Kind::Adult)) {
            const QList<picture::Appearance> history = m_store->chronology(key);
            if (history.isEmpty())
                continue;
            QJsonObject o = who(history.last().facts);
            o.remove(QStringLiteral("school_urn"));
            o.insert(QStringLiteral("person_key"), key);
            o.insert(QStringLiteral("reports"), int(history.size()));
            int victim = 0, suspect = 0;
            for (const picture::Appearance &a : history) {
                victim += a.victim;
                suspect += a.suspect;
            }
            o.insert(QStringLiteral("as_victim"), victim);
            o.insert(QStringLiteral("as_suspect"), suspect);
            QJsonArray rules;
            for (const picture::TriggeredRule &t : m_store->concerns(key))
                rules.append(t.rule);
            o.insert(QStringLiteral("rules"), rules);
            out.append(o);
        }
        return {200, json(out)};
    }
    if (path == QLatin1String("/staff/v1/encompass/due")) {
        // ?due_before=ISO-UTC: only those due before then (undated ones,
        // which staff must check by hand, always).
        const QDateTime before =
            QDateTime::fromString(query.value(QStringLiteral("due_before")), Qt::ISODate);
        if (query.contains(QStringLiteral("due_before")) && !before.isValid())
            return {400, error("bad_due_before")};
        QJsonArray out;
        for (const picture::NoticeDue &n : m_store->noticesDue()) {
            if (before.isValid() && n.dueUtc.isValid() && n.dueUtc >= before)
                continue;
            QJsonObject o = n.detail;
            o.insert(QStringLiteral("person_key"), n.personKey);
            o.insert(QStringLiteral("record_id"), n.recordId);
            o.insert(QStringLiteral("version"), qint64(n.version));
            o.insert(QStringLiteral("officer_id"), n.owner);
            o.insert(QStringLiteral("due_at_utc"), n.dueUtc.isValid()
                                                       ? QJsonValue(n.dueUtc.toString(Qt::ISODate))
                                                       : QJsonValue());
            out.append(o);
        }
        return {200, json(out)};
    }
    if (path == QLatin1String("/staff/v1/proposals")) {
        QJsonArray out;
        for (const picture::MatchProposal &p : m_store->openProposals())
            out.append(
                QJsonObject{{QStringLiteral("id"), p.id},
                            {QStringLiteral("person_a"), p.personA},
                            {QStringLiteral("person_b"), p.personB},
                            {QStringLiteral("reasons"), QJsonArray::fromStringList(p.reasons)},
                            {QStringLiteral("held_back"), p.heldBack}});
        return {200, json(out)};
    }
    if (path == QLatin1String("/staff/v1/audit")) {
        bool ok = true;
        const int limit = query.value(QStringLiteral("limit"), QStringLiteral("100")).toInt(&ok);
        if (!ok || limit < 1 || limit > 1000)
            return {400, error("bad_limit")};
        QJsonArray out;
        for (const picture::AuditEntry &a : m_store->audit(limit)) {
            QJsonObject o = a.detail;
            o.insert(QStringLiteral("id"), a.id);
            o.insert(QStringLiteral("at_utc"), isoOrEmpty(a.at));
            o.insert(QStringLiteral("actor"), a.actor);
            o.insert(QStringLiteral("action"), a.action);
            out.append(o);
        }
        return {200, json(out)};
    }
    return {404, error("not_found")};
}

StaffServer::Answer StaffServer::children(const QHash<QString, QString> &query)
{
    // Filters: rule (triggered on the history), grade (any report graded
    // so), since / until (a report occurred then, ISO UTC), due_before (an
    // Encompass notice due before then, or undated); limit and offset page.
    static const QSet<QString> known{QStringLiteral("rule"),       QStringLiteral("grade"),
                                     QStringLiteral("since"),      QStringLiteral("until"),
                                     QStringLiteral("due_before"), QStringLiteral("limit"),
                                     QStringLiteral("offset")};
    for (auto it = query.cbegin(); it != query.cend(); ++it)
        if (!known.contains(it.key()))
            return {400, error("unknown_filter")};
    const QString rule = query.value(QStringLiteral("rule"));
    const QString grade = query.value(QStringLiteral("grade")).toLower();
    if (!grade.isEmpty() && !v1::Grade_descriptor()->FindValueByName(
                                QStringLiteral("GRADE_%1").arg(grade.toUpper()).toStdString()))
        return {400, error("bad_grade")};
    auto time = [&](const char *name, QDateTime *out) {
        const QString v = query.value(QString::fromLatin1(name));
        if (v.isEmpty())
            return true;
        *out = QDateTime::fromString(v, Qt::ISODate);
        return out->isValid();
    };
    QDateTime since, until, dueBefore;
    if (!time("since", &since) || !time("until", &until) || !time("due_before", &dueBefore))
        return {400, error("bad_date")};
    bool ok = true;
    const int limit = query.value(QStringLiteral("limit"), QStringLiteral("100")).toInt(&ok);
    bool ok2 = true;
    const int offset = query.value(QStringLiteral("offset"), QStringLiteral("0")).toInt(&ok2);
    if (!ok || !ok2 || limit < 1 || limit > 1000 || offset < 0)
        return {400, error("bad_page")};
    QSet<QString> due;
    if (dueBefore.isValid())
        for (const picture::NoticeDue &n : m_store->noticesDue())
            if (!n.dueUtc.isValid() || n.dueUtc < dueBefore)
                due.insert(n.personKey);

    QJsonArray out;
    int matched = 0;
    for (const QString &key : m_store->personKeys(picture::PictureStore::Kind::Child)) {
        if (dueBefore.isValid() && !due.contains(key))
            continue;
        const QList<picture::TriggeredRule> concerns = m_store->concerns(key);
        QJsonArray rules;
        bool wanted = rule.isEmpty();
        for (const picture::TriggeredRule &t : concerns) {
            rules.append(t.rule);
            wanted = wanted || t.rule == rule;
        }
        if (!wanted)
            continue;
        const QList<picture::Appearance> history = m_store->chronology(key);
        if (history.isEmpty())
            continue;
        bool graded = grade.isEmpty(), inRange = !since.isValid() && !until.isValid();
        for (const picture::Appearance &a : history) {
            graded = graded || enumName(v1::Grade_descriptor(), a.report.grade) ==
                                   QStringLiteral("grade_") + grade;
            const QDateTime at = a.report.occurredUtc;
            inRange =
                inRange || ((!since.isValid() || at >= since) && (!until.isValid() || at <= until));
        }
        if (!graded || !inRange)
            continue;
        if (matched++ < offset || out.size() >= limit)
            continue;
        QJsonObject o = who(history.last().facts);
        o.insert(QStringLiteral("person_key"), key);
        o.insert(QStringLiteral("reports"), int(history.size()));
        o.insert(QStringLiteral("latest_at_utc"),
                 history.last().report.occurredUtc.toString(Qt::ISODate));
        o.insert(QStringLiteral("latest_grade"),
                 enumName(v1::Grade_descriptor(), history.last().report.grade));
        o.insert(QStringLiteral("rules"), rules);
        out.append(o);
    }
    return {200, json(QJsonObject{{QStringLiteral("total"), matched},
                                  {QStringLiteral("offset"), offset},
                                  {QStringLiteral("children"), out}})};
}

StaffServer::Answer StaffServer::person(const QString &key, bool isChild)
{
    const QList<picture::Appearance> history = m_store->chronology(key);
    if (history.isEmpty() || history.first().child != isChild)
        return {404, error(isChild ? "no_such_child" : "no_such_adult")};
    const QList<picture::Link> links = m_store->links(key);
    QHash<QString, QString> nameOf;
    for (const picture::Link &l : links)
        nameOf.insert(l.personKey, l.name);
    QJsonArray chronology;
    QSet<int> acesSoFar;
    for (const picture::Appearance &a : history) {
        QJsonObject o = reportJson(a);
        if (isChild) {
            const picture::Report &r = a.report;
            o.insert(QStringLiteral("grade_rationale"), r.gradeRationale);
            o.insert(QStringLiteral("child_words"), r.childWords);
            o.insert(QStringLiteral("words_not_recorded_reason"), r.wordsNotRecorded);
            o.insert(QStringLiteral("demeanour"), r.demeanour);
            QJsonObject provenance;
            for (auto it = r.aceProvenance.cbegin(); it != r.aceProvenance.cend(); ++it)
                provenance.insert(enumName(v1::Indicator_descriptor(), it.key()),
                                  enumName(v1::Provenance_descriptor(), it.value()));
            o.insert(QStringLiteral("ace_provenance"), provenance);
            acesSoFar.unite(r.aceCategories);
            o.insert(QStringLiteral("ace_categories_so_far"), int(acesSoFar.size()));
            QJsonArray suspects;
            for (const QString &s : r.suspectKeys)
                suspects.append(QJsonObject{{QStringLiteral("person_key"), s},
                                            {QStringLiteral("name"), nameOf.value(s)}});
            o.insert(QStringLiteral("suspects"), suspects);
        } else {
            for (const char *k : {"unborn", "age_years", "presence", "seen", "spoken_to",
                                  "spoken_to_alone", "ace_indicators", "protection_notice",
                                  "encompass_in_scope", "encompass_notice", "grade"})
                o.remove(QLatin1String(k));
        }
        QStringList household(a.facts.household.begin(), a.facts.household.end());
        household.sort();
        o.insert(QStringLiteral("household"), QJsonArray::fromStringList(household));
        o.insert(QStringLiteral("flags"), QJsonArray::fromStringList(a.report.flags));
        chronology.append(o);
    }
    QJsonArray concerns;
    for (const picture::TriggeredRule &t : m_store->concerns(key))
        concerns.append(t.toJson());
    QJsonArray linked, merges;
    for (const picture::Link &l : links)
        linked.append(linkJson(l));
    for (const picture::MergeEntry &m : m_store->merges(key))
        merges.append(mergeJson(m));
    QJsonObject o = who(history.last().facts);
    if (!isChild)
        o.remove(QStringLiteral("school_urn"));
    o.insert(QStringLiteral("person_key"), key);
    o.insert(QStringLiteral("chronology"), chronology);
    o.insert(QStringLiteral("concerns"), concerns);
    o.insert(QStringLiteral("links"), linked);
    o.insert(QStringLiteral("merges"), merges);
    return {200, json(o)};
}

StaffServer::Answer StaffServer::decide(const QString &, const QString &path,
                                        const QByteArray &body, qint64 nowMs)
{
    static const QRegularExpression proposal(
        QStringLiteral("^/staff/v1/proposals/([0-9]{1,18})/(confirm|reject)$"));
    static const QRegularExpression undo(QStringLiteral("^/staff/v1/merges/([0-9]{1,18})/undo$"));
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parse);
    if (parse.error != QJsonParseError::NoError || !doc.isObject())
        return {400, error("body_not_json_object")};
    const QJsonObject in = doc.object();
    const picture::StaffAction action{in.value(QLatin1String("actor")).toString(),
                                      in.value(QLatin1String("reason")).toString(), nowMs};
    picture::StaffResult r;
    if (const auto m = proposal.match(path); m.hasMatch()) {
        const qint64 id = m.captured(1).toLongLong();
        r = m.captured(2) == QLatin1String("confirm") ? m_store->confirmProposal(id, action)
                                                      : m_store->rejectProposal(id, action);
    } else if (const auto u = undo.match(path); u.hasMatch()) {
        r = m_store->unmerge(u.captured(1).toLongLong(), action);
    } else if (path == QLatin1String("/staff/v1/merges")) {
        r = m_store->merge(in.value(QLatin1String("survivor")).toString(),
                           in.value(QLatin1String("absorbed")).toString(), action);
    } else {
        return {404, error("not_found")};
    }
    if (!r.ok())
        return {statusOf(r.code),
                json(QJsonObject{{QStringLiteral("error"), QLatin1String(codeName(r.code))},
                                 {QStringLiteral("message"), r.message}})};
    return {200, json(QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("id"), r.id}})};
}

} // namespace safeguard::hub
