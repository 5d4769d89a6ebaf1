#include "formmigration.h"

#include "derivedfacts.h"

#include <QHash>
#include <QSet>
#include <QString>

namespace safeguard::protocol {

namespace {

// Form 1 asked the relationship in words; form 2 asks a kind and keeps the
// words as detail. Only a phrase that says exactly one kind is read as it
// ("mum", "step-father", "mother's partner"); anything qualified ("mum's
// friend", "sister's boyfriend") is left for the officer to choose, with
// their words kept, rather than guessed.
v1::RelationshipKind kindFromWords(const QString &words)
{
    struct Phrase
    {
        const char *words;
        v1::RelationshipKind kind;
    };
    static const Phrase kPhrases[] = {
        {"mum", v1::RELATIONSHIP_KIND_PARENT},
        {"mam", v1::RELATIONSHIP_KIND_PARENT},
        {"mother", v1::RELATIONSHIP_KIND_PARENT},
        {"birth mother", v1::RELATIONSHIP_KIND_PARENT},
        {"dad", v1::RELATIONSHIP_KIND_PARENT},
        {"father", v1::RELATIONSHIP_KIND_PARENT},
        {"birth father", v1::RELATIONSHIP_KIND_PARENT},
        {"parent", v1::RELATIONSHIP_KIND_PARENT},
        {"stepmum", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"step-mum", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"stepmother", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"step-mother", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"stepdad", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"step-dad", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"stepfather", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"step-father", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"step-parent", v1::RELATIONSHIP_KIND_STEP_PARENT},
        {"mother's partner", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"mum's partner", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"father's partner", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"dad's partner", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"mum's boyfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"mother's boyfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"mum's girlfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"dad's girlfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"father's girlfriend", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"parent's partner", v1::RELATIONSHIP_KIND_PARENTS_PARTNER},
        {"brother", v1::RELATIONSHIP_KIND_SIBLING},
        {"sister", v1::RELATIONSHIP_KIND_SIBLING},
        {"sibling", v1::RELATIONSHIP_KIND_SIBLING},
        {"half-brother", v1::RELATIONSHIP_KIND_SIBLING},
        {"half-sister", v1::RELATIONSHIP_KIND_SIBLING},
        {"stepbrother", v1::RELATIONSHIP_KIND_SIBLING},
        {"stepsister", v1::RELATIONSHIP_KIND_SIBLING},
        {"step-brother", v1::RELATIONSHIP_KIND_SIBLING},
        {"step-sister", v1::RELATIONSHIP_KIND_SIBLING},
        {"grandmother", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"grandfather", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"grandparent", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"grandma", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"grandad", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"grandpa", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"gran", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"granny", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"nan", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"nana", v1::RELATIONSHIP_KIND_GRANDPARENT},
        {"aunt", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"auntie", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"uncle", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"cousin", v1::RELATIONSHIP_KIND_OTHER_RELATIVE},
        {"foster carer", v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER},
        {"foster mother", v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER},
        {"foster father", v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER},
        {"kinship carer", v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER},
        {"guardian", v1::RELATIONSHIP_KIND_GUARDIAN},
        {"special guardian", v1::RELATIONSHIP_KIND_GUARDIAN},
        {"lodger", v1::RELATIONSHIP_KIND_NOT_RELATED},
        {"visitor", v1::RELATIONSHIP_KIND_NOT_RELATED},
        {"neighbour", v1::RELATIONSHIP_KIND_NOT_RELATED},
        {"family friend", v1::RELATIONSHIP_KIND_NOT_RELATED},
    };
    // Case, spacing, the curly apostrophe and a leading "the" or "child's"
    // do not change what the phrase says.
    QString w = words.toLower().simplified();
    w.replace(QChar(0x2019), QLatin1Char('\''));
    for (const QLatin1String lead : {QLatin1String("the "), QLatin1String("child's ")})
        if (w.startsWith(lead))
            w = w.mid(lead.size());
    for (const Phrase &p : kPhrases)
        if (w == QLatin1String(p.words))
            return p.kind;
    return v1::RELATIONSHIP_KIND_UNSPECIFIED;
}

// A name that says who someone is to the child, not who they are ("Dad",
// "unknown male"): two such entries are never taken for one person.
bool isPlaceholderName(const QString &key)
{
    static const QStringList kWords{
        QStringLiteral("unknown"), QStringLiteral("male"),      QStringLiteral("female"),
        QStringLiteral("man"),     QStringLiteral("woman"),     QStringLiteral("not"),
        QStringLiteral("known"),   QStringLiteral("n/k"),       QStringLiteral("nk"),
        QStringLiteral("adult"),   QStringLiteral("person"),    QStringLiteral("mum"),
        QStringLiteral("mother"),  QStringLiteral("dad"),       QStringLiteral("father"),
        QStringLiteral("partner"), QStringLiteral("boyfriend"), QStringLiteral("girlfriend"),
        QStringLiteral("nan"),     QStringLiteral("gran"),      QStringLiteral("grandad"),
        QStringLiteral("the"),     QStringLiteral("a"),         QStringLiteral("an")};
    for (const QString &word : key.split(QLatin1Char(' '), Qt::SkipEmptyParts))
        if (!kWords.contains(word))
            return false;
    return true;
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
    // One person for the same name in different children's lists (each
    // child's household named the same adult). Never within one child's
    // list (two entries there are two people), and never on a blank or a
    // placeholder ("unknown male", "Dad": half-siblings' fathers differ).
    QHash<QString, int> byName;
    int childIndex = 0;
    for (v1::ChildObservation &child : *record.mutable_children()) {
        QSet<int> usedByThisChild;
        for (const v1::HouseholdMember &m : child.household()) {
            const QString key = QString::fromStdString(m.name()).simplified().toLower();
            const bool mergeable = !key.isEmpty() && !isPlaceholderName(key);
            int index = mergeable ? byName.value(key, -1) : -1;
            if (usedByThisChild.contains(index))
                index = -1;
            if (index < 0) {
                v1::Person *p = record.add_people();
                p->set_person_id(newId());
                splitName(m.name(), p);
                index = record.people_size() - 1;
                if (mergeable && !byName.contains(key))
                    byName.insert(key, index);
            }
            usedByThisChild.insert(index);
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
        // Both notices made: the shared reason explained neither, but it is
        // the officer's words, so it is kept where the record has room.
        if (r->public_protection_notice() && r->operation_encompass_notice() &&
            !r->not_referred_reason().empty()) {
            std::string other = record.referrals().other_referrals();
            other += (other.empty() ? "" : "\n") +
                     QStringLiteral("Notice note for child %1 (form 1): ")
                         .arg(childIndex + 1)
                         .toStdString() +
                     r->not_referred_reason();
            record.mutable_referrals()->set_other_referrals(other);
        }
        r->clear_public_protection_notice();
        r->clear_operation_encompass_notice();
        r->clear_not_referred_reason();

        if (child.identity().education().not_in_education()) {
            v1::Education *e = child.mutable_identity()->mutable_education();
            if (e->setting_type() == v1::SETTING_TYPE_UNSPECIFIED)
                e->set_setting_type(v1::SETTING_TYPE_NOT_IN_EDUCATION);
            e->clear_not_in_education();
        }
        ++childIndex;
    }
    record.set_form_version(uint32_t(derived::kCurrentFormVersion));
    return true;
}

} // namespace safeguard::protocol
