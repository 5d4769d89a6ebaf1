#include "resumepositions.h"

#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace safeguard::ui {

QJsonObject ResumePositions::read() const
{
    QFile in(m_path);
    return in.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(in.readAll()).object()
                                        : QJsonObject();
}

void ResumePositions::write(const QJsonObject &positions) const
{
    QSaveFile out(m_path);
    if (!out.open(QIODevice::WriteOnly))
        return;
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.write(QJsonDocument(positions).toJson(QJsonDocument::Compact));
    out.commit();
}

void ResumePositions::remember(const QString &recordId, int step) const
{
    QJsonObject positions = read();
    if (positions.value(recordId).toInt(-1) == step)
        return;
    positions.insert(recordId, step);
    write(positions);
}

void ResumePositions::forget(const QString &recordId) const
{
    QJsonObject positions = read();
    if (positions.contains(recordId)) {
        positions.remove(recordId);
        write(positions);
    }
}

int ResumePositions::stepOf(const QString &recordId) const
{
    return read().value(recordId).toInt(0);
}

} // namespace safeguard::ui
