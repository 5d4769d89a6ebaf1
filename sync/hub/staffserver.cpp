#include "staffserver.h"

#include "protocol/loopbackaddress.h"

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

QMutex g_storeMutex; // one read connection, one request at a time

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
        {QStringLiteral("suspect"), a.suspect}};
}

QJsonObject who(const picture::PersonFacts &f)
{
    return {{QStringLiteral("name"), f.fullName()},
            {QStringLiteral("date_of_birth"), f.dateOfBirth.isValid()
                                                  ? QJsonValue(f.dateOfBirth.toString(Qt::ISODate))
                                                  : QJsonValue()},
            {QStringLiteral("school_urn"), f.schoolUrn}};
}

MHD_Result handle(void *cls, MHD_Connection *connection, const char *url, const char *method,
                  const char *, const char *, size_t *uploadSize, void **state)
{
    // The first call only announces the request. The staff API takes no
    // body (GET only): one sent is dropped unread (a large one closes the
    // connection), and the answer goes once it has all arrived, which is
    // when libmicrohttpd lets a response be queued.
    static int announced;
    if (*state == nullptr) {
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && QByteArray(length).toLongLong() > 64 * 1024)
            return MHD_NO;
        *state = &announced;
        return MHD_YES;
    }
    if (*uploadSize > 0) {
        *uploadSize = 0;
        return MHD_YES;
    }
    auto *server = static_cast<StaffServer *>(cls);
    // Only a loopback Host: a web page elsewhere that rebinds its name to
    // 127.0.0.1 sends its own name here, and is refused.
    const char *hostHeader =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const QString host = hostHeader ? QString::fromLatin1(hostHeader) : QString();
    const qsizetype colon = host.lastIndexOf(QLatin1Char(':'));
    if (!protocol::isLoopbackLiteral(colon > 0 ? host.left(colon) : host)) {
        static const char refused[] = "{\"error\":\"host_not_loopback\"}";
        MHD_Response *response = MHD_create_response_from_buffer(
            sizeof refused - 1, const_cast<char *>(refused), MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        const MHD_Result queued =
            MHD_queue_response(connection, MHD_HTTP_MISDIRECTED_REQUEST, response);
        MHD_destroy_response(response);
        return queued;
    }
    const char *rule = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "rule");
    const StaffServer::Answer a =
        server->answer(QString::fromLatin1(method), QString::fromUtf8(url),
                       rule ? QString::fromUtf8(rule) : QString());
    MHD_Response *response = MHD_create_response_from_buffer(
        size_t(a.body.size()), const_cast<char *>(a.body.constData()), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    const MHD_Result queued = MHD_queue_response(connection, a.status, response);
    MHD_destroy_response(response);
    return queued;
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
    m_daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, quint16(port), nullptr, nullptr,
        &handle, this, MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&address),
        MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, size_t(64 * 1024), MHD_OPTION_END);
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
                                        const QString &rule)
{
    static const QRegularExpression child(QStringLiteral("^/staff/v1/children/([0-9a-f-]{36})$"));
    if (!path.startsWith(QLatin1String("/staff/v1/")))
        return {404, error("not_found")};
    if (method != QLatin1String("GET"))
        return {405, error("method_not_allowed")};
    QMutexLocker lock(&g_storeMutex);

    if (path == QLatin1String("/staff/v1/children")) {
        // Every child, with what triggered on their history; ?rule= keeps
        // only the children a rule triggered for.
        QJsonArray out;
        for (const QString &key : m_store->personKeys(picture::PictureStore::Kind::Child)) {
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
            QJsonObject o = who(history.last().facts);
            o.insert(QStringLiteral("person_key"), key);
            o.insert(QStringLiteral("reports"), int(history.size()));
            o.insert(QStringLiteral("latest_at_utc"),
                     history.last().report.occurredUtc.toString(Qt::ISODate));
            o.insert(QStringLiteral("rules"), rules);
            out.append(o);
        }
        return {200, json(out)};
    }
    if (const auto m = child.match(path); m.hasMatch()) {
        const QList<picture::Appearance> history = m_store->chronology(m.captured(1));
        if (history.isEmpty())
            return {404, error("no_such_child")};
        QJsonArray chronology;
        for (const picture::Appearance &a : history)
            chronology.append(reportJson(a));
        QJsonArray concerns;
        for (const picture::TriggeredRule &t : m_store->concerns(m.captured(1)))
            concerns.append(t.toJson());
        QJsonObject o = who(history.last().facts);
        o.insert(QStringLiteral("person_key"), m.captured(1));
        o.insert(QStringLiteral("chronology"), chronology);
        o.insert(QStringLiteral("concerns"), concerns);
        return {200, json(o)};
    }
    if (path == QLatin1String("/staff/v1/encompass/due")) {
        QJsonArray out;
        for (const picture::NoticeDue &n : m_store->noticesDue()) {
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
    return {404, error("not_found")};
}

} // namespace safeguard::hub
