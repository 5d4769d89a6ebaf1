#pragma once

#include <QJsonObject>
#include <QString>

namespace safeguard::ui {

// Where the officer was in each draft: a record id and a step number per
// draft, nothing personal, in one small 0600 file beside the store (a wipe
// removes it). Reopening a draft lands on the step they left; a submitted
// record is forgotten.
class ResumePositions
{
public:
    explicit ResumePositions(QString path)
        : m_path(std::move(path))
    {}

    void remember(const QString &recordId, int step) const;
    void forget(const QString &recordId) const;
    // 0 (the first step) for a record never seen.
    int stepOf(const QString &recordId) const;

private:
    QJsonObject read() const;
    void write(const QJsonObject &positions) const;

    QString m_path;
};

} // namespace safeguard::ui
