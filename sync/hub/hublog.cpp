#include "hublog.h"

#include <QDateTime>
#include <QJsonDocument>
#include <atomic>
#include <cstdio>
#include <mutex>

namespace safeguard::hub {

namespace {
std::mutex g_mutex;
std::atomic<bool> g_quiet{false};
} // namespace

void HubLog::setQuiet(bool quiet)
{
    g_quiet = quiet;
}

void HubLog::event(const char *name, const QJsonObject &fields)
{
    if (g_quiet)
        return;
    QJsonObject line = fields;
    line.insert(QStringLiteral("event"), QString::fromLatin1(name));
    line.insert(QStringLiteral("time"),
                QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    const QByteArray text = QJsonDocument(line).toJson(QJsonDocument::Compact);
    std::lock_guard lock(g_mutex);
    std::fwrite(text.constData(), 1, size_t(text.size()), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

} // namespace safeguard::hub
