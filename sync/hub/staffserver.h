#pragma once

#include "picture/picturestore.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <memory>

struct MHD_Daemon;
struct MHD_Connection;

namespace safeguard::hub {

// The staff API: the hub's picture as JSON for the safeguarding hub's staff
// (docs/PROTOCOL.md "Staff API"), on a listener of its own, never the
// devices' port (which answers 404 to every staff route). Until staff
// accounts come with the staff page it binds loopback only, and every
// decision names its actor and reason in the picture's audit trail.
class StaffServer
{
public:
    // store: the picture through a connection of the server's own (the
    // worker keeps its own), owned by the server from here.
    StaffServer(std::unique_ptr<picture::PictureStore> store, QString listen);
    ~StaffServer();
    StaffServer(const StaffServer &) = delete;
    StaffServer &operator=(const StaffServer &) = delete;

    // False with *error for a listen address that is not a loopback
    // IPV4:PORT, or a port that cannot be bound.
    bool start(QString *error);
    QString url() const { return m_url; }

    // One request's answer (public for the C callback and for tests):
    // status and JSON. query: the URL's arguments; body: a POST's JSON.
    struct Answer
    {
        unsigned status = 200;
        QByteArray body;
    };
    Answer answer(const QString &method, const QString &path, const QHash<QString, QString> &query,
                  const QByteArray &body, qint64 nowMs);

private:
    Answer children(const QHash<QString, QString> &query);
    Answer person(const QString &key, bool child);
    Answer decide(const QString &method, const QString &path, const QByteArray &body, qint64 nowMs);

    std::unique_ptr<picture::PictureStore> m_store;
    QString m_listen;
    QString m_url;
    MHD_Daemon *m_daemon = nullptr;
};

} // namespace safeguard::hub
