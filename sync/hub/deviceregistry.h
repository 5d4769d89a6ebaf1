#pragma once

#include "hubstore.h"
#include "protocol/clock.h"
#include "safeguard/v1/sync.pb.h"

#include <QString>

namespace safeguard::hub {

class HubIdentity;

// Why a request's device credentials were not accepted.
enum class AuthOutcome
{
    Authenticated,
    Missing,
    Invalid,
    Revoked,
    StoreFailed
};

struct AuthResult
{
    AuthOutcome outcome = AuthOutcome::Missing;
    QString deviceId;            // set when the header named a known device
    QString officerId;           // set when the credential was proved (Authenticated, Revoked)
    QByteArray signingPublicKey; // the device's, with officerId
};

struct EnrolmentResult
{
    RedeemOutcome outcome = RedeemOutcome::StoreFailed;
    v1::EnrolmentResponse response; // when outcome is Enrolled
};

// Devices and their credentials: issues one-time enrolment codes, exchanges
// a code for a device id and a random 32-byte bearer credential (only hashes
// of secrets and credentials are stored; comparisons are constant time), and
// authenticates "Authorization: Bearer <device_id>.<credential>" headers.
// Time comes from the injected Clock, so expiry is tested without sleeping.
class DeviceRegistry
{
public:
    // An hour: until it is redeemed a code is a bearer secret, so it lives
    // about as long as handing it over and enrolling takes (--expires-in).
    static constexpr qint64 kDefaultCodeLifetimeSecs = 60 * 60;
    static constexpr quint32 kDefaultRetentionHours = 24;

    DeviceRegistry(HubStore &store, const protocol::Clock &clock);

    // A new code for the officer, stored (as a hash) before it is returned.
    std::optional<v1::EnrolmentCode> issueCode(const HubIdentity &identity,
                                               const QString &officerId, const QString &hubUrl,
                                               qint64 lifetimeSecs, HubStoreError *error);
    EnrolmentResult enrol(const v1::EnrolmentRequest &request, const QString &hubId);
    AuthResult authenticate(const QByteArray &authorizationHeader);

    static QByteArray hashSecret(const QByteArray &secret);

private:
    HubStore &m_store;
    const protocol::Clock &m_clock;
};

} // namespace safeguard::hub
