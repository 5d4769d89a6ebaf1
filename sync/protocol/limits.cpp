#include "limits.h"

#include "safeguard/v1/record.pb.h"

#include <QSet>
#include <cstdint>
#include <cstring>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <unordered_map>
#include <vector>

namespace safeguard::protocol {

namespace gp = google::protobuf;

namespace {

// Field names (as in record.proto) whose text is longer than a name or id.
const QSet<QString> &childWordsFields()
{
    static const QSet<QString> s{QStringLiteral("safeguard.v1.ChildVoice.words_verbatim")};
    return s;
}

const QSet<QString> &longTextFields()
{
    static const QSet<QString> s{
        QStringLiteral("safeguard.v1.Incident.circumstances"),
        QStringLiteral("safeguard.v1.Incident.visit_reason"),
        QStringLiteral("safeguard.v1.ChildVoice.wishes_and_feelings"),
        QStringLiteral("safeguard.v1.ChildObservation.demeanour"),
        QStringLiteral("safeguard.v1.ChildObservation.interaction_with_carers"),
        QStringLiteral("safeguard.v1.Injury.description"),
        QStringLiteral("safeguard.v1.HomeConditions.hazards"),
        QStringLiteral("safeguard.v1.HomeConditions.food_and_supplies"),
        QStringLiteral("safeguard.v1.HomeConditions.where_child_sleeps"),
        QStringLiteral("safeguard.v1.HomeConditions.other_observations"),
        QStringLiteral("safeguard.v1.ImmediateActions.other_actions"),
        QStringLiteral("safeguard.v1.HistoryChecks.notes"),
    };
    return s;
}

const QSet<QString> &reasonTextFields()
{
    static const QSet<QString> s{
        QStringLiteral("safeguard.v1.IncidentRecord.amendment_reason"),
        QStringLiteral("safeguard.v1.Withdrawal.reason"),
        QStringLiteral("safeguard.v1.Incident.location_description"),
        QStringLiteral("safeguard.v1.AnswerWithReason.reason_if_no"),
        QStringLiteral("safeguard.v1.ChildIdentity.needs_or_disability"),
        QStringLiteral("safeguard.v1.ChildVoice.not_recorded_reason"),
        QStringLiteral("safeguard.v1.ChildObservation.presence_detail"),
        QStringLiteral("safeguard.v1.ChildObservation.grade_rationale"),
        QStringLiteral("safeguard.v1.Injury.medical_attention_detail"),
        QStringLiteral("safeguard.v1.HouseholdMember.carer_capacity_detail"),
        QStringLiteral("safeguard.v1.ImmediateActions.checks_made_on_carer"),
        QStringLiteral("safeguard.v1.ChildReferrals.not_referred_reason"),
        QStringLiteral("safeguard.v1.RiskAnswer.note"),
        QStringLiteral("safeguard.v1.RiskAssessment.judgement_rationale"),
        QStringLiteral("safeguard.v1.RiskAssessment.declined_reason"),
        QStringLiteral("safeguard.v1.InformationSharing.consent_not_sought_reason"),
        QStringLiteral("safeguard.v1.InformationSharing.reason_without_consent"),
        QStringLiteral("safeguard.v1.ReferralDecisions.marac_not_referred_reason"),
        QStringLiteral("safeguard.v1.ReferralDecisions.other_referrals"),
        QStringLiteral("safeguard.v1.ChildVoice.question_asked"),
        QStringLiteral("safeguard.v1.ChildVoice.others_present"),
        QStringLiteral("safeguard.v1.NoticeDecision.not_made_reason"),
        QStringLiteral("safeguard.v1.Relationship.detail"),
        QStringLiteral("safeguard.v1.Person.carer_capacity_detail"),
        QStringLiteral("safeguard.v1.Person.vulnerability"),
        QStringLiteral("safeguard.v1.Evidence.photographs_detail"),
    };
    return s;
}

// Counts code points; returns -1 if the bytes are not valid UTF-8.
qint64 codePoints(const std::string &s)
{
    qint64 n = 0;
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const auto *end = p + s.size();
    while (p < end) {
        // Nearly all text is ASCII: take it eight bytes at a time.
        while (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            if (word & 0x8080808080808080ull)
                break;
            p += 8;
            n += 8;
        }
        if (p == end)
            break;
        int len;
        if (*p < 0x80)
            len = 1;
        else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
            len = 2;
        else if ((*p & 0xF0) == 0xE0)
            len = 3;
        else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
            len = 4;
        else
            return -1;
        if (end - p < len)
            return -1;
        for (int i = 1; i < len; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
        }
        p += len;
        ++n;
    }
    return n;
}

// Where a field sits in the record, as a chain that lives on the stack while
// the walk descends. The text ("children[0].identity.name") is built only
// when an issue is reported: a valid record, which is nearly every record,
// never pays for a path string (the hub checks every record it receives).
struct FieldPath
{
    const FieldPath *parent = nullptr;
    const gp::FieldDescriptor *field = nullptr; // null at the root
    int index = -1;

    QString text() const
    {
        if (!field)
            return {};
        QString p = parent ? parent->text() : QString();
        if (!p.isEmpty())
            p += QLatin1Char('.');
        p += QString::fromStdString(field->name());
        if (index >= 0)
            p += QStringLiteral("[%1]").arg(index);
        return p;
    }
};

void checkText(const std::string &value, const FieldPath &path, int maxChars, RecordIssues &out)
{
    const qint64 n = codePoints(value);
    if (n < 0) {
        out.append({path.text(), QStringLiteral("invalid_utf8"),
                    QStringLiteral("This text is not valid UTF-8.")});
        return;
    }
    if (n > maxChars) {
        out.append({path.text(), QStringLiteral("text_too_long"),
                    QStringLiteral("This text is %1 characters long; the most allowed is %2.")
                        .arg(n)
                        .arg(maxChars)});
    }
}

// What the walk needs to know about one field, worked out once per field of
// the schema instead of per record: Limits::maxChars and maxCount compare
// full names, and Message::GetDescriptor/GetReflection go through protobuf's
// descriptor-assignment guard on every call.
struct MessagePlan;
struct FieldPlan
{
    enum Kind
    {
        Text,
        Message,
        Enum,
        Other
    };
    const gp::FieldDescriptor *field = nullptr;
    Kind kind = Other;
    bool repeated = false;
    int maxChars = 0;
    int maxCount = 0;
    const MessagePlan *message = nullptr; // Kind Message: the element's plan
};

struct MessagePlan
{
    const gp::Reflection *reflection = nullptr;
    std::vector<FieldPlan> fields;
};

// Plans for IncidentRecord and every message type reachable from it. Built
// on first use (a function-local static: thread-safe, and the hub checks
// records on several threads). Node-based, so a plan's address is stable.
class SchemaPlan
{
public:
    SchemaPlan() { root = plan(v1::IncidentRecord::descriptor()); }
    const MessagePlan *root = nullptr;

private:
    const MessagePlan *plan(const gp::Descriptor *d)
    {
        if (auto it = m_plans.find(d); it != m_plans.end())
            return &it->second;
        MessagePlan &p = m_plans[d]; // inserted before recursing: recursive types end here
        // Generated messages of one type share one Reflection.
        p.reflection = gp::MessageFactory::generated_factory()->GetPrototype(d)->GetReflection();
        p.fields.reserve(size_t(d->field_count()));
        for (int i = 0; i < d->field_count(); ++i) {
            const gp::FieldDescriptor *f = d->field(i);
            FieldPlan fp;
            fp.field = f;
            fp.repeated = f->is_repeated();
            fp.maxCount = fp.repeated ? Limits::maxCount(f) : 1;
            switch (f->cpp_type()) {
            case gp::FieldDescriptor::CPPTYPE_STRING:
                fp.kind = FieldPlan::Text;
                fp.maxChars = Limits::maxChars(f);
                break;
            case gp::FieldDescriptor::CPPTYPE_MESSAGE:
                fp.kind = FieldPlan::Message;
                break;
            case gp::FieldDescriptor::CPPTYPE_ENUM:
                fp.kind = FieldPlan::Enum;
                break;
            default:
                break;
            }
            p.fields.push_back(fp);
        }
        for (FieldPlan &fp : p.fields) {
            if (fp.kind == FieldPlan::Message)
                fp.message = plan(fp.field->message_type());
        }
        return &p;
    }

    std::unordered_map<const gp::Descriptor *, MessagePlan> m_plans;
};

const SchemaPlan &schemaPlan()
{
    static const SchemaPlan s;
    return s;
}

void checkEnumValue(const gp::FieldDescriptor *f, int v, const FieldPath &path, RecordIssues &out)
{
    if (!f->enum_type()->FindValueByNumber(v)) {
        out.append({path.text(), QStringLiteral("unknown_value"),
                    QStringLiteral("Value %1 is not one this hub knows.").arg(v)});
    }
}

// One walk over the record for both the limits (into *limits: text length,
// UTF-8, repeated counts) and the enum values (into *enums); either may be
// null. Each list gets the issues, in the same order, that a walk of its own
// would give: both visit fields in schema order, elements up to the count
// bound, and sub-messages only when present.
void walk(const gp::Message &m, const MessagePlan &plan, const FieldPath &prefix,
          RecordIssues *limits, RecordIssues *enums)
{
    const gp::Reflection *r = plan.reflection;
    std::string scratch;
    for (const FieldPlan &fp : plan.fields) {
        const gp::FieldDescriptor *f = fp.field;
        // Whether this walk looks at the field's values (every repeated
        // field's count is a limit, whatever its type).
        const bool values = fp.kind == FieldPlan::Message ||
                            (fp.kind == FieldPlan::Text && limits) ||
                            (fp.kind == FieldPlan::Enum && enums);
        if (!values && !(fp.repeated && limits))
            continue;
        if (fp.repeated) {
            const int count = r->FieldSize(m, f);
            if (count == 0)
                continue;
            const int max = fp.maxCount;
            if (limits && count > max) {
                limits->append(
                    {FieldPath{&prefix, f}.text(), QStringLiteral("too_many"),
                     QStringLiteral("%1 entries; the most allowed is %2.").arg(count).arg(max)});
            }
            // Elements past the bound are not inspected: the record is
            // refused anyway, and a hostile one must not cost unbounded work.
            const int inspect = values ? std::min(count, max) : 0;
            for (int k = 0; k < inspect; ++k) {
                const FieldPath here{&prefix, f, k};
                switch (fp.kind) {
                case FieldPlan::Text:
                    checkText(r->GetRepeatedStringReference(m, f, k, &scratch), here, fp.maxChars,
                              *limits);
                    break;
                case FieldPlan::Message:
                    walk(r->GetRepeatedMessage(m, f, k), *fp.message, here, limits, enums);
                    break;
                case FieldPlan::Enum:
                    checkEnumValue(f, r->GetRepeatedEnumValue(m, f, k), here, *enums);
                    break;
                case FieldPlan::Other:
                    break;
                }
            }
            continue;
        }
        switch (fp.kind) {
        case FieldPlan::Text:
            checkText(r->GetStringReference(m, f, &scratch), FieldPath{&prefix, f}, fp.maxChars,
                      *limits);
            break;
        case FieldPlan::Message:
            if (r->HasField(m, f))
                walk(r->GetMessage(m, f), *fp.message, FieldPath{&prefix, f}, limits, enums);
            break;
        case FieldPlan::Enum:
            checkEnumValue(f, r->GetEnumValue(m, f), FieldPath{&prefix, f}, *enums);
            break;
        case FieldPlan::Other:
            break;
        }
    }
}

bool isUuid(const std::string &s)
{
    // Canonical lower-case 8-4-4-4-12 form only, so one record has one id;
    // the nil UUID is not an id. (What QUuid parses and prints back
    // unchanged, checked byte by byte: the hub checks every record.)
    if (s.size() != 36)
        return false;
    bool nonZero = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
            nonZero = nonZero || c != '0';
        } else {
            return false;
        }
    }
    return nonZero;
}

} // namespace

int Limits::maxChars(const gp::FieldDescriptor *field)
{
    const QString name = QString::fromStdString(field->full_name());
    if (childWordsFields().contains(name))
        return kChildWordsChars;
    if (longTextFields().contains(name))
        return kLongTextChars;
    if (reasonTextFields().contains(name))
        return kReasonTextChars;
    return kShortTextChars;
}

int Limits::maxCount(const gp::FieldDescriptor *field)
{
    const std::string &n = field->full_name();
    if (n == "safeguard.v1.IncidentRecord.children")
        return kMaxChildren;
    if (n == "safeguard.v1.Incident.attending_officers")
        return kMaxAttendingOfficers;
    if (n == "safeguard.v1.ChildIdentity.aliases")
        return kMaxAliases;
    if (n == "safeguard.v1.PostalAddress.lines")
        return kMaxAddressLines;
    if (n == "safeguard.v1.ChildObservation.household")
        return kMaxHouseholdMembers;
    if (n == "safeguard.v1.ChildObservation.injuries")
        return kMaxInjuries;
    if (n == "safeguard.v1.ChildObservation.indicators")
        return kMaxIndicators;
    if (n == "safeguard.v1.RiskAssessment.answers")
        return kMaxRiskAnswers;
    if (n == "safeguard.v1.IncidentRecord.people")
        return kMaxPeople;
    if (n == "safeguard.v1.IncidentRecord.victim_ids" ||
        n == "safeguard.v1.IncidentRecord.suspect_ids" ||
        n == "safeguard.v1.ChildObservation.relationships")
        return kMaxPeople + kMaxChildren;
    if (n == "safeguard.v1.Person.aliases")
        return kMaxAliases;
    if (n == "safeguard.v1.ChildObservation.indicator_details")
        return kMaxIndicatorDetails;
    if (n == "safeguard.v1.Evidence.body_worn_video_references")
        return kMaxVideoReferences;
    // A repeated field added to the schema without a bound here gets a small
    // one rather than none; the limits test lists every repeated field.
    return 10;
}

RecordIssues checkLimits(const v1::IncidentRecord &record)
{
    RecordIssues out;
    walk(record, *schemaPlan().root, FieldPath{}, &out, nullptr);
    return out;
}

RecordIssues checkRecordSize(qint64 serializedBytes)
{
    if (serializedBytes <= Limits::kMaxRecordBytes)
        return {};
    return {{QString(), QStringLiteral("record_too_large"),
             QStringLiteral("The record is %1 bytes; the most allowed is %2.")
                 .arg(serializedBytes)
                 .arg(Limits::kMaxRecordBytes)}};
}

namespace {

// The checks of checkStructure before its enum walk.
void checkIds(const v1::IncidentRecord &record, RecordIssues &out)
{
    if (!isUuid(record.record_id())) {
        out.append({QStringLiteral("record_id"), QStringLiteral("invalid_id"),
                    QStringLiteral("The record id is not a lower-case UUID.")});
    }
    if (record.version() < 1) {
        out.append({QStringLiteral("version"), QStringLiteral("invalid_version"),
                    QStringLiteral("The version must be 1 or more.")});
    } else if (record.parent_version() != record.version() - 1) {
        out.append({QStringLiteral("parent_version"), QStringLiteral("invalid_version"),
                    QStringLiteral("Version %1 must amend version %2, not %3.")
                        .arg(record.version())
                        .arg(record.version() - 1)
                        .arg(record.parent_version())});
    }
    if (record.version() > 1 && record.amendment_reason().empty()) {
        out.append({QStringLiteral("amendment_reason"), QStringLiteral("reason_required"),
                    QStringLiteral("An amended record must say why it was amended.")});
    }
    QSet<std::string> childIds;
    const int children = std::min(record.children_size(), Limits::kMaxChildren);
    for (int i = 0; i < children; ++i) {
        const std::string &id = record.children(i).child_id();
        auto path = [i] { return QStringLiteral("children[%1].child_id").arg(i); };
        if (!isUuid(id)) {
            out.append({path(), QStringLiteral("invalid_id"),
                        QStringLiteral("The child id is not a lower-case UUID.")});
        } else if (childIds.contains(id)) {
            out.append({path(), QStringLiteral("duplicate_id"),
                        QStringLiteral("Two children in this record share one id.")});
        }
        childIds.insert(id);
    }
    // People have ids of the same kind, unique across people and children
    // (victim_ids and suspect_ids may name either).
    const int people = std::min(record.people_size(), Limits::kMaxPeople);
    for (int i = 0; i < people; ++i) {
        const std::string &id = record.people(i).person_id();
        auto path = [i] { return QStringLiteral("people[%1].person_id").arg(i); };
        if (!isUuid(id)) {
            out.append({path(), QStringLiteral("invalid_id"),
                        QStringLiteral("The person id is not a lower-case UUID.")});
        } else if (childIds.contains(id)) {
            out.append({path(), QStringLiteral("duplicate_id"),
                        QStringLiteral("Two people in this record share one id.")});
        }
        childIds.insert(id);
    }
    // A form-2 record never carries form 1's replaced fields: a reader would
    // not know which of the two to believe.
    if (record.form_version() >= 2) {
        for (int i = 0; i < children; ++i) {
            const v1::ChildObservation &c = record.children(i);
            const v1::ChildReferrals &r = c.referrals();
            if (c.household_size() > 0 || c.indicators_size() > 0 || r.public_protection_notice() ||
                r.operation_encompass_notice() || !r.not_referred_reason().empty())
                out.append({QStringLiteral("children[%1]").arg(i), QStringLiteral("legacy_field"),
                            QStringLiteral("A form-2 record holds a field only form 1 had "
                                           "(household, indicators or the shared notice "
                                           "reason).")});
        }
    }
}

} // namespace

RecordIssues checkStructure(const v1::IncidentRecord &record)
{
    RecordIssues out;
    checkIds(record, out);
    walk(record, *schemaPlan().root, FieldPath{}, nullptr, &out);
    return out;
}

RecordIssues checkStructureAndLimits(const v1::IncidentRecord &record, RecordIssues *unknownValues)
{
    RecordIssues out;
    checkIds(record, out);
    RecordIssues limits;
    walk(record, *schemaPlan().root, FieldPath{}, &limits, unknownValues ? unknownValues : &out);
    out += limits;
    return out;
}

} // namespace safeguard::protocol
