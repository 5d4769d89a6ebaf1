#include "applicability.h"

#include "derivedfacts.h"

#include <QRegularExpression>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <initializer_list>

namespace safeguard::protocol {

namespace gp = google::protobuf;

namespace {

using T = v1::IncidentType;

// A set of incident types as bits (1 << type).
struct Types
{
    unsigned bits = 0;
    Types(std::initializer_list<T> types)
    {
        for (T t : types)
            bits |= 1u << unsigned(t);
    }
    bool contains(T t) const { return bits & (1u << unsigned(t)); }
};

const Types kEvery{v1::INCIDENT_TYPE_UNSPECIFIED,    v1::INCIDENT_TYPE_DOMESTIC_ABUSE,
                   v1::INCIDENT_TYPE_SCHOOL_LIAISON, v1::INCIDENT_TYPE_WELFARE_CHECK,
                   v1::INCIDENT_TYPE_MISSING_CHILD,  v1::INCIDENT_TYPE_OTHER};
const Types kDomestic{v1::INCIDENT_TYPE_DOMESTIC_ABUSE};
// Where the child may have witnessed or been hurt by what happened at home
// (not a visit to a school, where the child is seen at school).
const Types kAtHome{v1::INCIDENT_TYPE_DOMESTIC_ABUSE, v1::INCIDENT_TYPE_WELFARE_CHECK,
                    v1::INCIDENT_TYPE_MISSING_CHILD, v1::INCIDENT_TYPE_OTHER,
                    v1::INCIDENT_TYPE_UNSPECIFIED};

enum class Who
{
    AnyChild,
    Born,
    Unborn,
};

struct Rule
{
    const char *key;
    Types types;
    Who who = Who::AnyChild;
};

const std::vector<Rule> &incidentRules()
{
    static const std::vector<Rule> rules{
        {"incident.visit_reason", {v1::INCIDENT_TYPE_SCHOOL_LIAISON}},
        {"incident.other_type_description", {v1::INCIDENT_TYPE_OTHER}},
        // On a school visit the incident's address is the school's.
        {"people.lives_at_incident_address", kAtHome},
        // The checklist itself also says which types it covers
        // (RiskChecklist::appliesTo); police use one at domestic abuse.
        {"risk", kDomestic},
        {"victim_ids", kDomestic},
        {"suspect_ids", kDomestic},
        {"referrals.marac_referral", kDomestic},
        {"referrals.marac_not_referred_reason", kDomestic},
        {"referrals.marac_trigger", kDomestic},
    };
    return rules;
}

const std::vector<Rule> &childRules()
{
    static const std::vector<Rule> rules{
        // Who the child is: an unborn child has a due date and a pregnant
        // person instead.
        {"identity.aliases", kEvery, Who::Born},
        {"identity.date_of_birth", kEvery, Who::Born},
        {"identity.estimated_age_years", kEvery, Who::Born},
        {"identity.sex", kEvery, Who::Born},
        {"identity.ethnicity", kEvery, Who::Born},
        {"identity.first_language", kEvery, Who::Born},
        {"identity.needs_or_disability", kEvery, Who::Born},
        {"identity.education", kEvery, Who::Born},
        {"identity.expected_due_date", kEvery, Who::Unborn},
        {"identity.pregnant_person_id", kEvery, Who::Unborn},
        {"identity.gestation_weeks", kEvery, Who::Unborn},
        // Where the child was and what reached them: asked where something
        // happened at home, never on a school visit.
        {"presence", kAtHome, Who::Born},
        {"presence_detail", kAtHome, Who::Born},
        {"saw_incident", kAtHome, Who::Born},
        {"heard_incident", kAtHome, Who::Born},
        {"hurt_in_incident", kAtHome, Who::Born},
        // Domestic Abuse Act 2021: the effects of the abuse.
        {"experienced_effects", kDomestic, Who::Born},
        // The child's own risk questions (DASH 11 and 12 read them).
        {"suspect_ever_hurt", kDomestic, Who::Born},
        {"suspect_ever_threatened", kDomestic, Who::Born},
        // Seen, spoken to and heard: every born child, every incident.
        {"seen", kEvery, Who::Born},
        {"spoken_to", kEvery, Who::Born},
        {"spoken_to_alone", kEvery, Who::Born},
        {"voice", kEvery, Who::Born},
        {"demeanour", kEvery, Who::Born},
        {"interaction_with_carers", kEvery, Who::Born},
        {"injuries", kEvery, Who::Born},
        {"home_conditions.hazards", kAtHome, Who::Born},
        {"home_conditions.food_and_supplies", kAtHome, Who::Born},
        {"home_conditions.where_child_sleeps", kAtHome, Who::Born},
        {"home_conditions.other_observations", kEvery, Who::Born},
        // Operation Encompass is about domestic abuse; whether a notice is
        // expected for this child is derived::inEncompassScope.
        {"referrals.encompass_notice", kDomestic, Who::Born},
        {"referrals.operation_encompass_notice", kDomestic, Who::Born},
    };
    return rules;
}

// The rule of the longest listed prefix of key (at a '.' boundary), if any;
// an entry of a list is governed as the list's key ("people[2].x" as
// "people.x").
const Rule *ruleFor(const std::vector<Rule> &rules, QStringView path)
{
    static const QRegularExpression index(QStringLiteral("\\[\\d+\\]"));
    QString unindexed;
    QStringView key = path;
    if (path.contains(QLatin1Char('['))) {
        unindexed = path.toString().remove(index);
        key = unindexed;
    }
    const Rule *best = nullptr;
    qsizetype bestLength = -1;
    for (const Rule &r : rules) {
        const QLatin1String k(r.key);
        if (key.startsWith(k) &&
            (key.size() == k.size() || key.at(k.size()) == u'.' || key.at(k.size()) == u'[') &&
            k.size() > bestLength) {
            best = &r;
            bestLength = k.size();
        }
    }
    return best;
}

bool ruleAllows(const Rule *rule, T type, const ChildFacts *child)
{
    if (!rule)
        return true;
    if (!rule->types.contains(type))
        return false;
    if (!child)
        return true;
    switch (rule->who) {
    case Who::AnyChild:
        return true;
    case Who::Born:
        return !child->unborn;
    case Who::Unborn:
        return child->unborn;
    }
    return true;
}

// One field a dotted key names in a message, with the path to it.
struct Resolved
{
    gp::Message *holder;
    const gp::FieldDescriptor *field;
    QString path; // "people[1].lives_at_incident_address"
};

// Every message holding the last component of a dotted key, and that
// field: one per entry where the key passes through a list ("people.x").
// Nothing where the key does not name a field (a table entry out of step
// with the schema is caught by the tests) or nothing is set beneath.
void resolve(gp::Message &m, const QStringList &parts, int i, const QString &path,
             std::vector<Resolved> &out)
{
    const gp::FieldDescriptor *f = m.GetDescriptor()->FindFieldByName(parts[i].toStdString());
    if (!f)
        return;
    const QString here = path.isEmpty() ? parts[i] : path + QLatin1Char('.') + parts[i];
    if (i == parts.size() - 1) {
        out.push_back({&m, f, here});
        return;
    }
    if (f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
        return;
    const gp::Reflection *r = m.GetReflection();
    if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k)
            resolve(*r->MutableRepeatedMessage(&m, f, k), parts, i + 1,
                    QStringLiteral("%1[%2]").arg(here).arg(k), out);
        return;
    }
    if (r->HasField(m, f))
        resolve(*r->MutableMessage(&m, f), parts, i + 1, here, out);
}

bool isAnswered(const gp::Message &m, const gp::FieldDescriptor *f);

// A message holds an answer when any field beneath it does, ids aside: the
// app lays out a checklist's questions (their ids) before any is answered,
// and losing those is losing nothing.
bool holdsAnswer(const gp::Message &m)
{
    std::vector<const gp::FieldDescriptor *> fields;
    m.GetReflection()->ListFields(m, &fields);
    for (const gp::FieldDescriptor *f : fields) {
        const std::string &name = f->name();
        if (name == "checklist_version" ||
            (name.size() > 3 && name.compare(name.size() - 3, 3, "_id") == 0))
            continue;
        if (isAnswered(m, f))
            return true;
    }
    return false;
}

bool isAnswered(const gp::Message &m, const gp::FieldDescriptor *f)
{
    const gp::Reflection *r = m.GetReflection();
    if (f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
        return f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
    if (!f->is_repeated())
        return r->HasField(m, f) && holdsAnswer(r->GetMessage(m, f));
    for (int i = 0; i < r->FieldSize(m, f); ++i)
        if (holdsAnswer(r->GetRepeatedMessage(m, f, i)))
            return true;
    return false;
}

// Clears (or, with dryRun, only lists) the answered fields the rules do not
// allow for type, under prefix ("" or "children[i].").
void sweep(gp::Message &message, const std::vector<Rule> &rules, T type, const ChildFacts *child,
           const QString &prefix, bool dryRun, QStringList &out)
{
    for (const Rule &r : rules) {
        if (ruleAllows(&r, type, child))
            continue;
        std::vector<Resolved> found;
        resolve(message, QString::fromLatin1(r.key).split(QLatin1Char('.')), 0, QString(), found);
        for (const Resolved &at : found) {
            const gp::Reflection *reflection = at.holder->GetReflection();
            const bool present = at.field->is_repeated()
                                     ? reflection->FieldSize(*at.holder, at.field) > 0
                                     : reflection->HasField(*at.holder, at.field);
            if (!present)
                continue;
            // Only an answer is worth telling the officer about; an
            // unanswered layout (a checklist's question ids) goes quietly.
            if (isAnswered(*at.holder, at.field))
                out.append(prefix + at.path);
            if (!dryRun)
                reflection->ClearField(at.holder, at.field);
        }
    }
}

QStringList sweepRecord(v1::IncidentRecord &record, T type, bool dryRun)
{
    QStringList out;
    sweep(record, incidentRules(), type, nullptr, QString(), dryRun, out);
    for (int i = 0; i < record.children_size(); ++i) {
        const ChildFacts facts = ChildFacts::of(record, record.children(i));
        sweep(*record.mutable_children(i), childRules(), type, &facts,
              QStringLiteral("children[%1].").arg(i), dryRun, out);
    }
    return out;
}

QStringList keysOf(const std::vector<Rule> &rules)
{
    QStringList out;
    for (const Rule &r : rules)
        out.append(QString::fromLatin1(r.key));
    return out;
}

} // namespace

ChildFacts ChildFacts::of(const v1::IncidentRecord &record, const v1::ChildObservation &child)
{
    ChildFacts f;
    f.unborn = child.identity().unborn();
    f.schoolAge =
        !f.unborn && derived::isSchoolAge(child.identity(), derived::incidentDate(record));
    return f;
}

bool Applicability::appliesToIncident(QStringView key, v1::IncidentType type)
{
    return ruleAllows(ruleFor(incidentRules(), key), type, nullptr);
}

bool Applicability::appliesToChild(QStringView key, v1::IncidentType type, const ChildFacts &child)
{
    return ruleAllows(ruleFor(childRules(), key), type, &child);
}

QStringList Applicability::clearInapplicable(v1::IncidentRecord &record)
{
    return sweepRecord(record, record.incident().type(), false);
}

QStringList Applicability::answersLostByTypeChange(const v1::IncidentRecord &record,
                                                   v1::IncidentType newType)
{
    v1::IncidentRecord copy = record;
    const QStringList now = sweepRecord(copy, record.incident().type(), true);
    QStringList lost;
    for (const QString &path : sweepRecord(copy, newType, true))
        if (!now.contains(path))
            lost.append(path);
    return lost;
}

QStringList Applicability::incidentKeys()
{
    return keysOf(incidentRules());
}

QStringList Applicability::childKeys()
{
    return keysOf(childRules());
}

} // namespace safeguard::protocol
