#include "formmigration.h"

#include "derivedfacts.h"

#include <QHash>
#include <QString>

namespace safeguard::protocol {

namespace {

// Form 1 asked the relationship in words; form 2 asks a kind and keeps the
// words as detail. The most specific word decides ("mother's partner" is a
// partner, "step-father" a step-parent, "grandmother" a grandparent).
v1::RelationshipKind kindFromWords(const QString &words)
{
    const QString w = words.toLower();
    if (w.trimmed().isEmpty())
        return v1::RELATIONSHIP_KIND_UNSPECIFIED;
    struct Word
    {
        const char *word;
        v1::RelationshipKind kind;
    };
    static const Word kWords[] = {
        {"stepbrother", v1::RELATIONSHIP_KIND_SIBLING},
        {"stepsister", v1::RELATIONSHIP_KIND_SIBLING},
        {"step-brother", v1::RELATIONSHIP_KIND_SIBLING},
        {"step-sister", v1::RELATIONSHIP_KIND_SIBLING},
        {"step", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"partner", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"boyfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"girlfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"foster", v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER},
        {"kinship", v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER},
        {"grand", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"guardian", v1::RELATIONSHIP_KIND_GUARDIAN},
        {"god", v1::RELATIONSHIP_KIND_OTHER}, // a godparent is not a parent
        {"mother", v1::RELATIONSHIP_KIND_PARENT},
        {"father", v1::RELATIONSHIP_KIND_PARENT},
        {"mum", v1::RELATIONSHIP_KIND_PARENT},
        {"dad", v1::RELATIONSHIP_KIND_PARENT},
        {"parent", v1::RELATIONSHIP_KIND_PARENT},
        {"brother", v1::RELATIONSHIP_KIND_SIBLING},
        {"sister", v1::RELATIONSHIP_KIND_SIBLING},
        {"sibling", v1::RELATIONSHIP_KIND_SIBLING},
        {"aunt", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"uncle", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"cousin", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"lodger", v1::RELATIONSHIP_KIND_NOT_RELATED},
        {"visitor", v1::RELATIONSHIP_KIND_NOT_RELATED},
        {"friend", v1::RELATIONSHIP_KIND_NOT_RELATED},
        {"neighbour", v1::RELATIONSHIP_KIND_NOT_RELATED},
    };
    for (const Word &k : kWords)
        if (w.contains(QLatin1String(k.word)))
            return k.kind;
    return v1::RELATIONSHIP_KIND_OTHER;
}

// "Jane Example SYNTHETIC" -> given "Jane Example", family "SYNTHETIC"; one
// word stays a given name.
void splitName(const std::string &name, v1::Person *p)
{
    const QString n = QString::fromStdString(name).simplified();
    const qsizetype space = n.lastIndexOf(QLatin1Char(' '));
    if (space < 0) {
        p->set_given_names(n.toStdString());
        return;
    }
    p->set_given_names(n.left(space).toStdString());
    p->set_family_name(n.mid(space + 1).toStdString());
}

void addCapacity(v1::Person *p, v1::CarerCapacity c)
{
    if (c == v1::CARER_CAPACITY_UNSPECIFIED)
        return;
    for (int v : p->carer_capacity())
        if (v == c)
            return;
    p->add_carer_capacity(c);
}

void addUnique(google::protobuf::RepeatedPtrField<std::string> *ids, const std::string &id)
{
    for (const std::string &s : *ids)
        if (s == id)
            return;
    *ids->Add() = id;
}

// A form-1 notice flag and the reason it shared with the other notice.
v1::NoticeDecision decision(bool made, const std::string &sharedReason)
{
    v1::NoticeDecision d;
    if (made) {
        d.set_made(v1::ANSWER_YES);
    } else if (!sharedReason.empty()) {
        d.set_made(v1::ANSWER_NO);
        d.set_not_made_reason(sharedReason);
    }
    return d;
}

} // namespace

bool FormMigration::toCurrentForm(v1::IncidentRecord &record,
                                  const std::function<std::string()> &newId)
{
    if (derived::formVersion(record) >= derived::kCurrentFormVersion)
        return false;
    // One person per name across the children (an unnamed entry is its own
    // person: two blanks are not known to be one adult).
    QHash<QString, int> byName;
    for (v1::ChildObservation &child : *record.mutable_children()) {
        for (const v1::HouseholdMember &m : child.household()) {
            const QString key = QString::fromStdString(m.name()).simplified().toLower();
            int index = key.isEmpty() ? -1 : byName.value(key, -1);
            if (index < 0) {
                v1::Person *p = record.add_people();
                p->set_person_id(newId());
                splitName(m.name(), p);
                index = record.people_size() - 1;
                if (!key.isEmpty())
                    byName.insert(key, index);
            }
            v1::Person *p = record.mutable_people(index);
            p->set_present_at_incident(p->present_at_incident() || m.present_at_incident());
            addCapacity(p, m.carer_capacity());
            if (!m.carer_capacity_detail().empty()) {
                std::string detail = p->carer_capacity_detail();
                if (detail.find(m.carer_capacity_detail()) == std::string::npos)
                    detail += (detail.empty() ? "" : "; ") + m.carer_capacity_detail();
                p->set_carer_capacity_detail(detail);
            }
            if (m.suspected_perpetrator())
                addUnique(record.mutable_suspect_ids(), p->person_id());

            v1::Relationship *rel = child.add_relationships();
            rel->set_person_id(p->person_id());
            rel->set_kind(kindFromWords(QString::fromStdString(m.relationship_to_child())));
            rel->set_detail(m.relationship_to_child());
            rel->set_parental_responsibility(m.parental_responsibility());
            rel->set_lives_with_child(m.lives_with_child());
        }
        child.clear_household();

        for (int indicator : child.indicators())
            child.add_indicator_details()->set_indicator(v1::Indicator(indicator));
        child.clear_indicators();

        v1::ChildReferrals *r = child.mutable_referrals();
        if (!r->has_protection_notice())
            *r->mutable_protection_notice() =
                decision(r->public_protection_notice(), r->not_referred_reason());
        if (!r->has_encompass_notice())
            *r->mutable_encompass_notice() =
                decision(r->operation_encompass_notice(), r->not_referred_reason());
        r->clear_public_protection_notice();
        r->clear_operation_encompass_notice();
        r->clear_not_referred_reason();

        if (child.identity().education().not_in_education()) {
            v1::Education *e = child.mutable_identity()->mutable_education();
            if (e->setting_type() == v1::SETTING_TYPE_UNSPECIFIED)
                e->set_setting_type(v1::SETTING_TYPE_NOT_IN_EDUCATION);
            e->clear_not_in_education();
        }
    }
    record.set_form_version(uint32_t(derived::kCurrentFormVersion));
    return true;
}

} // namespace safeguard::protocol
