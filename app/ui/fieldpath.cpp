#include "fieldpath.h"

#include "safeguard/v1/record.pb.h"
#include "typedinput.h"

#include <QDateTime>
#include <QRegularExpression>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

namespace safeguard::ui::fieldpath {

namespace gp = google::protobuf;

namespace {

struct Step
{
    std::string name;
    int index = -1; // element of a repeated field, or -1
};

bool parse(const QString &path, QList<Step> *steps)
{
    static const QRegularExpression step(QStringLiteral("^([a-z_][a-z0-9_]*)(?:\\[(\\d+)\\])?$"));
    for (const QString &part : path.split(QLatin1Char('.'))) {
        const auto m = step.match(part);
        if (!m.hasMatch())
            return false;
        steps->append(
            {m.captured(1).toStdString(), m.captured(2).isEmpty() ? -1 : m.captured(2).toInt()});
    }
    return !steps->isEmpty();
}

// Walks to the message holding the last step. With create, makes missing
// messages (never repeated elements beyond the end).
const gp::Message *walkConst(const gp::Message &root, const QList<Step> &steps)
{
    const gp::Message *m = &root;
    for (int i = 0; i + 1 < steps.size(); ++i) {
        const gp::FieldDescriptor *f = m->GetDescriptor()->FindFieldByName(steps[i].name);
        if (!f || f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
            return nullptr;
        const gp::Reflection *r = m->GetReflection();
        if (f->is_repeated()) {
            if (steps[i].index < 0 || steps[i].index >= r->FieldSize(*m, f))
                return nullptr;
            m = &r->GetRepeatedMessage(*m, f, steps[i].index);
        } else {
            m = &r->GetMessage(*m, f);
        }
    }
    return m;
}

gp::Message *walkMutable(gp::Message *root, const QList<Step> &steps)
{
    gp::Message *m = root;
    for (int i = 0; i + 1 < steps.size(); ++i) {
        const gp::FieldDescriptor *f = m->GetDescriptor()->FindFieldByName(steps[i].name);
        if (!f || f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
            return nullptr;
        const gp::Reflection *r = m->GetReflection();
        if (f->is_repeated()) {
            if (steps[i].index < 0 || steps[i].index >= r->FieldSize(*m, f))
                return nullptr;
            m = r->MutableRepeatedMessage(m, f, steps[i].index);
        } else {
            m = r->MutableMessage(m, f);
        }
    }
    return m;
}

const gp::FieldDescriptor *leaf(const gp::Message &holder, const Step &s)
{
    return holder.GetDescriptor()->FindFieldByName(s.name);
}

bool isDate(const gp::FieldDescriptor *f)
{
    return f->message_type() == v1::CalendarDate::descriptor();
}

bool isTimestamp(const gp::FieldDescriptor *f)
{
    return f->message_type() == v1::LocalTimestamp::descriptor();
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

QVariant get(const gp::Message &root, const QString &path)
{
    QList<Step> steps;
    if (!parse(path, &steps))
        return QVariant();
    const gp::Message *m = walkConst(root, steps);
    if (!m)
        return QVariant();
    const gp::FieldDescriptor *f = leaf(*m, steps.last());
    if (!f)
        return QVariant();
    const gp::Reflection *r = m->GetReflection();

    if (f->is_repeated()) {
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_STRING) {
            QStringList out;
            for (int i = 0; i < r->FieldSize(*m, f); ++i)
                out << QString::fromStdString(r->GetRepeatedString(*m, f, i));
            return out;
        }
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_ENUM) {
            QVariantList out;
            for (int i = 0; i < r->FieldSize(*m, f); ++i)
                out << r->GetRepeatedEnumValue(*m, f, i);
            return out;
        }
        return r->FieldSize(*m, f);
    }
    switch (f->cpp_type()) {
    case gp::FieldDescriptor::CPPTYPE_STRING:
        return QString::fromStdString(r->GetString(*m, f));
    case gp::FieldDescriptor::CPPTYPE_BOOL:
        return r->GetBool(*m, f);
    case gp::FieldDescriptor::CPPTYPE_ENUM:
        return r->GetEnumValue(*m, f);
    case gp::FieldDescriptor::CPPTYPE_INT32:
        return r->GetInt32(*m, f);
    case gp::FieldDescriptor::CPPTYPE_UINT32:
        return int(r->GetUInt32(*m, f));
    case gp::FieldDescriptor::CPPTYPE_INT64:
        return qint64(r->GetInt64(*m, f));
    case gp::FieldDescriptor::CPPTYPE_MESSAGE: {
        if (!r->HasField(*m, f))
            return QString();
        const gp::Message &sub = r->GetMessage(*m, f);
        if (isDate(f)) {
            const auto &d = static_cast<const v1::CalendarDate &>(sub);
            const QDate date(d.year(), d.month(), d.day());
            return date.isValid() ? date.toString(Qt::ISODate) : QString();
        }
        if (isTimestamp(f)) {
            const auto &t = static_cast<const v1::LocalTimestamp &>(sub);
            return QDateTime::fromMSecsSinceEpoch(t.unix_ms(), Qt::UTC)
                .addSecs(qint64(t.utc_offset_minutes()) * 60)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        }
        return QVariant();
    }
    default:
        return QVariant();
    }
}

bool set(gp::Message *root, const QString &path, const QVariant &value, int utcOffsetMinutes,
         QString *error)
{
    QList<Step> steps;
    if (!parse(path, &steps))
        return fail(error, QStringLiteral("not a field path"));
    gp::Message *m = walkMutable(root, steps);
    if (!m)
        return fail(error, QStringLiteral("no such element"));
    const gp::FieldDescriptor *f = leaf(*m, steps.last());
    if (!f)
        return fail(error, QStringLiteral("no such field"));
    const gp::Reflection *r = m->GetReflection();

    if (f->is_repeated()) {
        r->ClearField(m, f);
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_STRING) {
            for (const QString &s : value.toStringList()) {
                if (!s.trimmed().isEmpty())
                    r->AddString(m, f, s.toStdString());
            }
            return true;
        }
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_ENUM) {
            for (const QVariant &v : value.toList()) {
                if (!f->enum_type()->FindValueByNumber(v.toInt()))
                    return fail(error, QStringLiteral("unknown choice"));
                r->AddEnumValue(m, f, v.toInt());
            }
            return true;
        }
        return fail(error, QStringLiteral("use append/remove for lists"));
    }
    switch (f->cpp_type()) {
    case gp::FieldDescriptor::CPPTYPE_STRING:
        r->SetString(m, f, value.toString().toStdString());
        return true;
    case gp::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(m, f, value.toBool());
        return true;
    case gp::FieldDescriptor::CPPTYPE_ENUM:
        if (!f->enum_type()->FindValueByNumber(value.toInt()))
            return fail(error, QStringLiteral("unknown choice"));
        r->SetEnumValue(m, f, value.toInt());
        return true;
    case gp::FieldDescriptor::CPPTYPE_INT32:
    case gp::FieldDescriptor::CPPTYPE_UINT32: {
        // Typed text must be digits only ("3a" is not 3, nor silently 0);
        // empty clears the answer.
        int v = 0;
        if (value.typeId() == QMetaType::QString) {
            if (!value.toString().trimmed().isEmpty()) {
                const auto parsed = typedinput::parseWholeNumber(value.toString());
                if (!parsed)
                    return fail(error, typedinput::numberProblem());
                v = *parsed;
            }
        } else {
            bool ok = false;
            v = value.toInt(&ok);
            if (!ok || v < 0)
                return fail(error, typedinput::numberProblem());
        }
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_INT32)
            r->SetInt32(m, f, v);
        else
            r->SetUInt32(m, f, quint32(v));
        return true;
    }
    case gp::FieldDescriptor::CPPTYPE_MESSAGE: {
        const QString text = value.toString().trimmed();
        if (text.isEmpty()) {
            r->ClearField(m, f);
            return true;
        }
        if (isDate(f)) {
            const auto parsed = typedinput::parseDate(text);
            if (!parsed)
                return fail(error, typedinput::dateProblem());
            const QDate d = *parsed;
            auto *cd = static_cast<v1::CalendarDate *>(r->MutableMessage(m, f));
            cd->set_year(d.year());
            cd->set_month(d.month());
            cd->set_day(d.day());
            return true;
        }
        if (isTimestamp(f)) {
            const auto parsed = typedinput::parseDateTime(text);
            if (!parsed)
                return fail(error, typedinput::dateTimeProblem());
            QDateTime local = *parsed;
            local.setTimeSpec(Qt::UTC);
            auto *ts = static_cast<v1::LocalTimestamp *>(r->MutableMessage(m, f));
            ts->set_unix_ms(local.addSecs(-qint64(utcOffsetMinutes) * 60).toMSecsSinceEpoch());
            ts->set_utc_offset_minutes(utcOffsetMinutes);
            return true;
        }
        return fail(error, QStringLiteral("not an editable field"));
    }
    default:
        return fail(error, QStringLiteral("not an editable field"));
    }
}

bool clear(gp::Message *root, const QString &path)
{
    QList<Step> steps;
    if (!parse(path, &steps) || steps.last().index >= 0 || !walkConst(*root, steps))
        return false;
    gp::Message *m = walkMutable(root, steps);
    const gp::FieldDescriptor *f = m ? leaf(*m, steps.last()) : nullptr;
    if (!f)
        return false;
    const gp::Reflection *r = m->GetReflection();
    if (f->is_repeated() ? r->FieldSize(*m, f) == 0 : !r->HasField(*m, f))
        return false;
    r->ClearField(m, f);
    return true;
}

namespace {

// The holder and the repeated message field a list path names.
std::pair<gp::Message *, const gp::FieldDescriptor *> listField(gp::Message *root,
                                                                const QString &path)
{
    QList<Step> steps;
    if (!parse(path, &steps) || steps.last().index >= 0)
        return {nullptr, nullptr};
    gp::Message *m = walkMutable(root, steps);
    if (!m)
        return {nullptr, nullptr};
    const gp::FieldDescriptor *f = leaf(*m, steps.last());
    if (!f || !f->is_repeated() || f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
        return {nullptr, nullptr};
    return {m, f};
}

} // namespace

int count(const gp::Message &root, const QString &path)
{
    return get(root, path).toInt();
}

bool append(gp::Message *root, const QString &path)
{
    auto [m, f] = listField(root, path);
    if (!m)
        return false;
    m->GetReflection()->AddMessage(m, f);
    return true;
}

bool remove(gp::Message *root, const QString &path, int index)
{
    auto [m, f] = listField(root, path);
    if (!m)
        return false;
    const gp::Reflection *r = m->GetReflection();
    const int n = r->FieldSize(*m, f);
    if (index < 0 || index >= n)
        return false;
    for (int i = index; i + 1 < n; ++i)
        r->SwapElements(m, f, i, i + 1);
    r->RemoveLast(m, f);
    return true;
}

bool move(gp::Message *root, const QString &path, int from, int to)
{
    auto [m, f] = listField(root, path);
    if (!m)
        return false;
    const gp::Reflection *r = m->GetReflection();
    const int n = r->FieldSize(*m, f);
    if (from < 0 || from >= n || to < 0 || to >= n)
        return false;
    const int step = from < to ? 1 : -1;
    for (int i = from; i != to; i += step)
        r->SwapElements(m, f, i, i + step);
    return true;
}

} // namespace safeguard::ui::fieldpath
