#pragma once

#include "client/recordsource.h"

namespace safeguard::store {

class RecordStore;

// The sync engine's RecordSource over the officer's encrypted store: the
// adapter the app, the device simulator and the engine's tests all use.
// The store must outlive it.
class StoreRecordSource final : public syncclient::RecordSource
{
public:
    explicit StoreRecordSource(RecordStore &store)
        : m_store(store)
    {}

    syncclient::SourceError notHandedOver(int limit, QList<protocol::Submission> *out) override;
    syncclient::SourceError pending(QList<protocol::Submission> *out) override;
    syncclient::SourceError markHandedOver(const QList<std::pair<QString, int>> &versions) override;
    syncclient::SourceError submittedBytes(const QString &recordId, int version,
                                           QByteArray *out) override;
    syncclient::SourceError applyVerdicts(const QList<syncclient::UnappliedResult> &verdicts,
                                          QList<std::pair<QString, int>> *refused) override;
    syncclient::SourceError devicePublicKey(QByteArray *out) override;
    syncclient::SourceError sign(std::string_view statement, QByteArray *signature) override;
    syncclient::SourceError trustedEnrolment(std::optional<syncclient::Enrolment> *out) override;
    syncclient::SourceError keepEnrolment(const syncclient::Enrolment &enrolment) override;
    syncclient::SourceError purge(const QString &recordId, Purge *outcome) override;

    RecordStore &store() const { return m_store; }

private:
    RecordStore &m_store;
};

} // namespace safeguard::store
