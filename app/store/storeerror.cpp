#include "storeerror.h"

namespace safeguard::store {

StoreError StoreError::fromSql(const sql::SqlError &e, const char *during)
{
    using sql::SqlErrorKind;
    StoreError s;
    switch (e.kind) {
    case SqlErrorKind::None:
        return s;
    case SqlErrorKind::NotADatabase:
    case SqlErrorKind::Corrupt:
        s.kind = StoreErrorKind::Corrupt;
        break;
    case SqlErrorKind::DiskFull:
        s.kind = StoreErrorKind::DiskFull;
        break;
    case SqlErrorKind::Io:
    case SqlErrorKind::CantOpen:
    case SqlErrorKind::ReadOnly:
        s.kind = StoreErrorKind::Io;
        break;
    case SqlErrorKind::Busy:
        s.kind = StoreErrorKind::Busy;
        break;
    case SqlErrorKind::Constraint:
    case SqlErrorKind::Misuse:
    case SqlErrorKind::Other:
        s.kind = StoreErrorKind::Internal;
        break;
    }
    s.message = QStringLiteral("%1: %2 (%3)").arg(QLatin1String(during), e.message).arg(e.code);
    return s;
}

QString toKey(StoreErrorKind kind)
{
    switch (kind) {
    case StoreErrorKind::None:
        return QStringLiteral("none");
    case StoreErrorKind::NotFound:
        return QStringLiteral("not_found");
    case StoreErrorKind::Invalid:
        return QStringLiteral("invalid");
    case StoreErrorKind::Frozen:
        return QStringLiteral("frozen");
    case StoreErrorKind::WrongState:
        return QStringLiteral("wrong_state");
    case StoreErrorKind::Corrupt:
        return QStringLiteral("corrupt");
    case StoreErrorKind::TooNew:
        return QStringLiteral("too_new");
    case StoreErrorKind::DiskFull:
        return QStringLiteral("disk_full");
    case StoreErrorKind::Io:
        return QStringLiteral("io");
    case StoreErrorKind::Busy:
        return QStringLiteral("busy");
    case StoreErrorKind::Internal:
        return QStringLiteral("internal");
    }
    return QString();
}

} // namespace safeguard::store
