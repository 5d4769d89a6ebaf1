#include "facts.h"

#include "protocol/derivedfacts.h"
#include "protocol/limits.h"

namespace safeguard::hub::picture {

namespace {

namespace derived = protocol::derived;

QString str(const std::string &s)
{
    return QString::fromStdString(s);
}

QString fullName(const std::string &given, const std::string &family)
{
    return names::normalise(str(given) + QLatin1Char(' ') + str(family));
}

void setAddress(PersonFacts &f, const v1::PostalAddress &a)
{
    f.postcode = str(a.postcode());
    f.address = a.lines().empty() ? QString() : str(a.lines(0));
}

// The incident as every report of it shares.
Report incidentReport(const v1::IncidentRecord &r, const QDateTime &receivedUtc,
                      const protocol::RiskChecklistRegistry &checklists)
{
    Report rep;
    rep.recordId = str(r.record_id());
    rep.version = r.version();
    rep.occurredUtc = QDateTime::fromMSecsSinceEpoch(r.incident().occurred_at().unix_ms(), Qt::UTC);
    rep.receivedUtc = receivedUtc;
    rep.type = r.incident().type();
    // The risk as the device showed it: the same scoring, on the version
    // the officer answered.
    const v1::RiskAssessment &risk = r.risk();
    if (!risk.checklist_id().empty()) {
        const protocol::RiskChecklist *c =
            checklists.find(str(risk.checklist_id()), int(risk.checklist_version()));
        if (risk.not_safe_to_ask())
            rep.riskOutcome = QStringLiteral("not_safe_to_ask");
        else if (risk.declined())
            rep.riskOutcome = QStringLiteral("declined");
        else if (!c)
            rep.riskOutcome = QStringLiteral("unknown_checklist");
        if (c && rep.riskOutcome.isEmpty()) {
            const protocol::RiskScore s = c->scoreRecord(r);
            rep.riskLevel = s.finalLevel;
            rep.riskReasons = s.reasons;
        } else if (rep.riskOutcome != QLatin1String("unknown_checklist")) {
            // Not asked: the officer's judgement is the level, if given.
            rep.riskLevel = v1::RiskLevel_IsValid(risk.judgement_level())
                                ? risk.judgement_level()
                                : v1::RISK_LEVEL_UNSPECIFIED;
        }
    }
    return rep;
}

} // namespace

QList<ExtractedPerson> extractPeople(const v1::IncidentRecord &record, const QDateTime &receivedUtc,
                                     const protocol::RiskChecklistRegistry &checklists)
{
    QList<ExtractedPerson> out;
    if (record.has_withdrawal())
        return out;
    const QDate on = derived::incidentDate(record);
    const Report base = incidentReport(record, receivedUtc, checklists);
    const bool form2 = derived::formVersion(record) >= 2;
    const auto has = [](const auto &ids, const std::string &id) {
        return std::find(ids.begin(), ids.end(), id) != ids.end();
    };

    // Everyone's normalised names: "the household around the person".
    // Bounded (a hostile record must not make every person carry hundreds
    // of long names): the first kMaxHousehold names, each cut to 80.
    constexpr qsizetype kMaxHousehold = 40;
    QSet<QString> everyone;
    auto note = [&](const QString &name) {
        if (!name.isEmpty() && everyone.size() < kMaxHousehold)
            everyone.insert(name.left(80));
    };
    for (const v1::Person &p : record.people())
        note(fullName(p.given_names(), p.family_name()));
    for (const v1::ChildObservation &c : record.children()) {
        note(fullName(c.identity().given_names(), c.identity().family_name()));
        for (const v1::HouseholdMember &m : c.household())
            note(names::normalise(str(m.name())));
    }
    auto around = [&](const QString &self) {
        QSet<QString> h = everyone;
        h.remove(self.left(80));
        return h;
    };
    QStringList suspects;
    for (const std::string &id : record.suspect_ids())
        suspects << str(id);
    // Form 1 marked the suspect in a child's household list.
    // A form-1 adult's id within the record: its order among the names,
    // never the name itself (ids are stored in the clear).
    QStringList formOneNames;
    const auto formOneId = [&formOneNames](const QString &name) {
        qsizetype i = formOneNames.indexOf(name);
        if (i < 0) {
            formOneNames << name;
            i = formOneNames.size() - 1;
        }
        return QStringLiteral("form1:%1").arg(i + 1);
    };
    for (const v1::ChildObservation &c : record.children())
        for (const v1::HouseholdMember &m : c.household()) {
            const QString name = names::normalise(str(m.name()));
            if (m.suspected_perpetrator() && !name.isEmpty() && !suspects.contains(formOneId(name)))
                suspects << formOneId(name);
        }

    for (const v1::ChildObservation &c : record.children()) {
        const v1::ChildIdentity &id = c.identity();
        ExtractedPerson e;
        e.kind = ExtractedPerson::Kind::Child;
        e.localId = str(c.child_id());
        PersonFacts &f = e.facts;
        f.givenNames = str(id.given_names());
        f.familyName = str(id.family_name());
        for (const std::string &a : id.aliases())
            f.aliases << str(a);
        f.dateOfBirth = derived::toQDate(id.date_of_birth());
        f.estimatedAgeYears = int(id.estimated_age_years());
        f.seenOn = on;
        setAddress(f, id.has_address_if_different() ? id.address_if_different()
                                                    : record.incident().address());
        f.schoolUrn = str(id.education().urn());
        f.household = around(fullName(id.given_names(), id.family_name()));
        f.unborn = id.unborn();
        f.dueDate = derived::toQDate(id.expected_due_date());
        e.pregnantLocalId = str(id.pregnant_person_id());
        for (const v1::Relationship &rel : c.relationships())
            if (rel.kind() == v1::RELATIONSHIP_KIND_PARENT)
                e.parentLocalIds << str(rel.person_id());
        e.victim = has(record.victim_ids(), c.child_id());
        e.suspect = has(record.suspect_ids(), c.child_id());
        e.suspectLocalIds = suspects;

        Report &rep = e.report;
        rep = base;
        rep.unborn = id.unborn();
        rep.grade = derived::effectiveGrade(c.grade());
        rep.ageYears = derived::ageInYears(id, on);
        rep.presence = c.presence();
        rep.seen = c.seen().answer();
        rep.spokenTo = c.spoken_to().answer();
        rep.spokenToAlone = c.spoken_to_alone().answer();
        for (const v1::IndicatorObservation &i : c.indicator_details()) {
            rep.aceCategories.insert(i.indicator());
            rep.aceProvenance.insert(i.indicator(), i.provenance());
        }
        for (int i : c.indicators())
            rep.aceCategories.insert(i);
        rep.aceCategories.remove(v1::INDICATOR_UNSPECIFIED);
        if (form2) {
            rep.protectionNotice = c.referrals().protection_notice().made();
            rep.encompassNotice = c.referrals().encompass_notice().made();
        } else {
            rep.protectionNotice =
                c.referrals().public_protection_notice() ? v1::ANSWER_YES : v1::ANSWER_NO;
            rep.encompassNotice =
                c.referrals().operation_encompass_notice() ? v1::ANSWER_YES : v1::ANSWER_NO;
        }
        rep.encompassInScope = derived::needsEncompassNotice(record, c);
        rep.addressKey = f.addressKey();
        rep.gradeRationale = str(c.grade_rationale());
        rep.childWords = str(c.voice().words_verbatim());
        rep.wordsNotRecorded = str(c.voice().not_recorded_reason());
        rep.demeanour = str(c.demeanour());
        out << e;
    }

    for (const v1::Person &p : record.people()) {
        ExtractedPerson e;
        e.kind = ExtractedPerson::Kind::Adult;
        e.localId = str(p.person_id());
        PersonFacts &f = e.facts;
        f.givenNames = str(p.given_names());
        f.familyName = str(p.family_name());
        for (const std::string &a : p.aliases())
            f.aliases << str(a);
        f.dateOfBirth = derived::toQDate(p.date_of_birth());
        f.estimatedAgeYears = int(p.estimated_age_years());
        f.seenOn = on;
        setAddress(f, p.has_address() ? p.address() : record.incident().address());
        f.forceIdentifier = str(p.force_identifier());
        f.household = around(fullName(p.given_names(), p.family_name()));
        e.victim = has(record.victim_ids(), p.person_id());
        e.suspect = has(record.suspect_ids(), p.person_id());
        e.report = base;
        e.report.addressKey = f.addressKey();
        out << e;
    }

    // Form 1: the household, per child, by name only.
    QSet<QString> formOneAdults;
    for (const v1::ChildObservation &c : record.children()) {
        for (const v1::HouseholdMember &m : c.household()) {
            const QString name = names::normalise(str(m.name()));
            // At most as many adults as a form-2 record may hold.
            if (name.isEmpty() || formOneAdults.contains(name) ||
                formOneAdults.size() >= protocol::Limits::kMaxPeople)
                continue;
            formOneAdults.insert(name);
            ExtractedPerson e;
            e.kind = ExtractedPerson::Kind::Adult;
            e.localId = formOneId(name);
            const QString raw = str(m.name()).simplified();
            const qsizetype space = raw.lastIndexOf(QLatin1Char(' '));
            e.facts.givenNames = space < 0 ? raw : raw.left(space);
            e.facts.familyName = space < 0 ? QString() : raw.mid(space + 1);
            e.facts.seenOn = on;
            setAddress(e.facts, record.incident().address());
            e.facts.household = around(name);
            e.suspect = m.suspected_perpetrator();
            e.report = base;
            e.report.addressKey = e.facts.addressKey();
            out << e;
        }
    }
    return out;
}

} // namespace safeguard::hub::picture
