#pragma once

#include "clock.h"
#include "riskchecklist.h"

#include <QRandomGenerator>

namespace safeguard::protocol {

// Makes obviously fake incident records for tests, load, benchmarks and
// screenshots: every name, address and quote carries the word SYNTHETIC, and
// postcodes use the never-issued ZZ area. Records are complete and pass the
// good-practice rules; 1-4 children each, a realistic mix of incident types
// and grades. The same seed gives the same records.
class SyntheticRecordFactory
{
public:
    SyntheticRecordFactory(quint32 seed, const Clock &clock,
                           const RiskChecklistRegistry &checklists);

    v1::IncidentRecord next(const QString &officerId = QStringLiteral("SYN-OFFICER-0001"),
                            const QString &deviceId = QString());

    // The form the records are written on: 1 (the default, what the app's
    // form edits today) or 2 (people with ids, relationships, notices each
    // with their own decision, settings, evidence, history; every field of
    // form 2 is filled across a few records).
    void setFormVersion(int version) { m_formVersion = version; }

private:
    void toFormTwo(v1::IncidentRecord &record);
    v1::ChildObservation makeChild(const v1::IncidentRecord &record, int index);
    void fillRisk(v1::IncidentRecord &record);
    QString pick(const QStringList &options);
    v1::LocalTimestamp now() const;

    QRandomGenerator m_random;
    const Clock &m_clock;
    const RiskChecklistRegistry &m_checklists;
    int m_serial = 0;
    int m_formVersion = 1;
};

} // namespace safeguard::protocol
