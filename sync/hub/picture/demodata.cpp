#include "demodata.h"

#include "protocol/clock.h"
#include "protocol/syntheticrecords.h"
#include "ukclock.h"

#include <QUuid>

namespace safeguard::hub::picture {

namespace {

struct Adult
{
    const char *given;
    const char *family;
    QDate dob;
    const char *forceId = "";
};

struct Child
{
    const char *given;
    const char *family;
    QDate dob;
    const char *urn; // a setting of the built-in directory, or "" (under two)
    v1::Grade grade;
    const char *rationale;
    bool unborn = false;
    QDate due;
    bool noNotice = false;
};

Child born(const char *given, const char *family, QDate dob, const char *urn, v1::Grade grade,
           const char *rationale, bool noNotice = false)
{
    Child c{given, family, dob, urn, grade, rationale, false, QDate(), noNotice};
    return c;
}

Child unborn(const char *family, QDate due, v1::Grade grade, const char *rationale)
{
    Child c{"Unborn", family, QDate(), "", grade, rationale, true, due, false};
    return c;
}

struct Incident
{
    const char *key; // makes the record id
    const char *officer;
    QDate date;
    QTime ukTime;
    const char *line;
    const char *postcode;
    Adult victim;
    Adult suspect;
    QList<Child> children;
};

// Fixed ids, so one run and the next name the same records.
std::string idFor(const QString &name)
{
    static const QUuid ns(QStringLiteral("6f1e2d3c-4b5a-4c6d-8e7f-90a1b2c3d4e5"));
    return QUuid::createUuidV5(ns, name).toString(QUuid::WithoutBraces).toStdString();
}

void setDate(v1::CalendarDate *d, QDate q)
{
    d->set_year(q.year());
    d->set_month(q.month());
    d->set_day(q.day());
}

void setAdult(v1::Person &p, const Adult &a, const v1::PostalAddress &address)
{
    p.set_given_names(a.given);
    p.set_family_name(a.family);
    p.clear_aliases();
    p.clear_estimated_age_years();
    setDate(p.mutable_date_of_birth(), a.dob);
    p.set_force_identifier(a.forceId);
    *p.mutable_address() = address;
    p.set_lives_at_incident_address(true);
}

const char *settingName(const QString &urn)
{
    if (urn == QLatin1String("100001"))
        return "Example Primary School SYNTHETIC";
    if (urn == QLatin1String("100002"))
        return "Example Academy SYNTHETIC";
    return "Little Acorns Nursery SYNTHETIC";
}

v1::IncidentRecord shape(const protocol::RiskChecklistRegistry &checklists, const Incident &in,
                         quint32 seed)
{
    const QDateTime at = ukclock::toUtc(in.date, in.ukTime);
    const int offset = ukclock::offsetMinutesAt(at);
    // Written an hour after the incident, on scene.
    protocol::ManualClock clock(at.addSecs(3600), offset);
    protocol::SyntheticRecordFactory factory(seed, clock, checklists);
    factory.setFormVersion(2);
    v1::IncidentRecord r;
    do
        r = factory.next(QString::fromLatin1(in.officer));
    while (r.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE || r.people_size() < 2);

    r.set_record_id(idFor(QString::fromLatin1(in.key)));
    r.mutable_incident()->mutable_occurred_at()->set_unix_ms(at.toMSecsSinceEpoch());
    r.mutable_incident()->mutable_occurred_at()->set_utc_offset_minutes(offset);
    v1::PostalAddress *address = r.mutable_incident()->mutable_address();
    address->clear_lines();
    address->add_lines(in.line);
    address->set_postcode(in.postcode);

    // Two adults: the victim and the suspect; nobody else (a stray
    // grandparent would make proposals the demo does not plant).
    const std::string victimId = r.people(0).person_id(), suspectId = r.people(1).person_id();
    while (r.people_size() > 2)
        r.mutable_people()->RemoveLast();
    setAdult(*r.mutable_people(0), in.victim, *address);
    setAdult(*r.mutable_people(1), in.suspect, *address);
    r.clear_victim_ids();
    r.add_victim_ids(victimId);
    r.clear_suspect_ids();
    r.add_suspect_ids(suspectId);

    const v1::ChildObservation model = r.children(0);
    r.clear_children();
    for (const Child &c : in.children) {
        v1::ChildObservation &o = *r.add_children();
        o = model;
        o.set_child_id(
            idFor(QString::fromLatin1(in.key) + QLatin1Char('/') + QString::fromLatin1(c.given)));
        // Only the relationships to the two adults kept.
        for (int i = o.relationships_size() - 1; i >= 0; --i) {
            const std::string &to = o.relationships(i).person_id();
            if (to != victimId && to != suspectId)
                o.mutable_relationships()->DeleteSubrange(i, 1);
        }
        v1::ChildIdentity *id = o.mutable_identity();
        id->set_given_names(c.given);
        id->set_family_name(c.family);
        id->clear_aliases();
        id->clear_estimated_age_years();
        id->clear_address_if_different();
        id->clear_date_of_birth();
        if (c.unborn) {
            id->set_unborn(true);
            setDate(id->mutable_expected_due_date(), c.due);
            id->set_pregnant_person_id(victimId);
            id->clear_education();
        } else {
            setDate(id->mutable_date_of_birth(), c.dob);
            v1::Education *e = id->mutable_education();
            e->Clear();
            if (*c.urn) {
                e->set_urn(c.urn);
                e->set_establishment_name(settingName(QString::fromLatin1(c.urn)));
                e->set_setting_type(QLatin1String(c.urn) == QLatin1String("100003")
                                        ? v1::SETTING_TYPE_EARLY_YEARS
                                        : v1::SETTING_TYPE_PRIMARY);
            }
        }
        o.set_grade(c.grade);
        o.set_grade_rationale(c.rationale);
        v1::ChildReferrals *ref = o.mutable_referrals();
        if (c.noNotice) {
            ref->mutable_protection_notice()->set_made(v1::ANSWER_NO);
            ref->mutable_protection_notice()->set_not_made_reason(
                "SYNTHETIC: officer believed the school already knew");
            ref->mutable_encompass_notice()->set_made(v1::ANSWER_NO);
            ref->mutable_encompass_notice()->set_not_made_reason(
                "SYNTHETIC: officer believed the school already knew");
        } else {
            ref->mutable_protection_notice()->set_made(v1::ANSWER_YES);
            ref->mutable_protection_notice()->clear_not_made_reason();
            ref->mutable_encompass_notice()->set_made(v1::ANSWER_YES);
            ref->mutable_encompass_notice()->clear_not_made_reason();
        }
    }
    return r;
}

const Adult kRowan{"Rowan", "Ashdown-SYNTHETIC", QDate(1990, 3, 4), ""};
const Adult kDale{"Dale", "Brackley-SYNTHETIC", QDate(1985, 7, 9), "SYN-PNC-900001"};
const Adult kKerry{"Kerry", "Ellery-SYNTHETIC", QDate(1988, 2, 2), ""};
const Adult kSam{"Sam", "Corrie-SYNTHETIC", QDate(1984, 5, 5), ""};
const Adult kLee{"Lee", "Gorton-SYNTHETIC", QDate(1982, 11, 11), "SYN-PNC-900002"};
const Adult kJade{"Jade", "Dunmore-SYNTHETIC", QDate(1998, 1, 20), ""};
const Adult kKyle{"Kyle", "Penn-SYNTHETIC", QDate(1996, 6, 6), "SYN-PNC-900003"};
const Adult kGail{"Gail", "Fenwick-SYNTHETIC", QDate(1979, 9, 9), ""};
const Adult kRoss{"Ross", "Fenwick-SYNTHETIC", QDate(1977, 1, 1), "SYN-PNC-900004"};

QList<Incident> incidents()
{
    const char *ashdown = "12 Demo Road (SYNTHETIC)";
    const QList<Child> twins = {
        born("Isla", "Corrie-SYNTHETIC", QDate(2017, 9, 14), "100002", v1::GRADE_AMBER,
             "SYNTHETIC: twins heard the argument from upstairs"),
        born("Ava", "Corrie-SYNTHETIC", QDate(2017, 9, 14), "100002", v1::GRADE_AMBER,
             "SYNTHETIC: twins heard the argument from upstairs"),
    };
    return {
        // The Ashdowns: three incidents in five months, rising.
        {"demo/ashdown/1",
         "SYN-OFFICER-0101",
         QDate(2026, 6, 12),
         QTime(21, 30),
         ashdown,
         "ZZ1 4AA",
         kRowan,
         kDale,
         {born("Poppy", "Ashdown-SYNTHETIC", QDate(2019, 5, 1), "100001", v1::GRADE_GREEN,
               "SYNTHETIC: first report, children asleep"),
          born("Alfie", "Ashdown-SYNTHETIC", QDate(2023, 2, 10), "100003", v1::GRADE_GREEN,
               "SYNTHETIC: first report, children asleep")}},
        // A second officer spells Poppy "Poppie": the planted near-miss.
        {"demo/ashdown/2",
         "SYN-OFFICER-0102",
         QDate(2026, 8, 20),
         QTime(19, 15),
         ashdown,
         "ZZ1 4AA",
         kRowan,
         kDale,
         {born("Poppie", "Ashdown-SYNTHETIC", QDate(2019, 5, 1), "100001", v1::GRADE_AMBER,
               "SYNTHETIC: second incident this summer"),
          born("Alfie", "Ashdown-SYNTHETIC", QDate(2023, 2, 10), "100003", v1::GRADE_AMBER,
               "SYNTHETIC: second incident this summer")}},
        // Friday evening before half-term: the notice is due after it.
        {"demo/ashdown/3",
         "SYN-OFFICER-0101",
         QDate(2026, 10, 23),
         QTime(20, 0),
         ashdown,
         "ZZ1 4AA",
         kRowan,
         kDale,
         {born("Poppy", "Ashdown-SYNTHETIC", QDate(2019, 5, 1), "100001", v1::GRADE_RED,
               "SYNTHETIC: threats to kill, third incident"),
          born("Alfie", "Ashdown-SYNTHETIC", QDate(2023, 2, 10), "100003", v1::GRADE_RED,
               "SYNTHETIC: threats to kill, third incident")}},
        // The same suspect in another family.
        {"demo/ellery/1",
         "SYN-OFFICER-0103",
         QDate(2026, 11, 20),
         QTime(22, 40),
         "3 Sample Close (SYNTHETIC)",
         "ZZ2 7BB",
         kKerry,
         kDale,
         {born("Mia", "Ellery-SYNTHETIC", QDate(2015, 12, 2), "100002", v1::GRADE_AMBER,
               "SYNTHETIC: new partner known to police")}},
        // Twins, twice; the second time on a Saturday.
        {"demo/corrie/1", "SYN-OFFICER-0102", QDate(2026, 9, 18), QTime(18, 5),
         "7 Fictional Way (SYNTHETIC)", "ZZ1 9CC", kSam, kLee, twins},
        {"demo/corrie/2", "SYN-OFFICER-0103", QDate(2026, 11, 14), QTime(23, 50),
         "7 Fictional Way (SYNTHETIC)", "ZZ1 9CC", kSam, kLee, twins},
        // Unborn, then born.
        {"demo/dunmore/1",
         "SYN-OFFICER-0101",
         QDate(2026, 3, 10),
         QTime(17, 0),
         "21 Pretend Lane (SYNTHETIC)",
         "ZZ2 3DD",
         kJade,
         kKyle,
         {unborn("Dunmore-SYNTHETIC", QDate(2026, 6, 1), v1::GRADE_AMBER,
                 "SYNTHETIC: pregnant victim assaulted")}},
        {"demo/dunmore/2",
         "SYN-OFFICER-0102",
         QDate(2026, 9, 5),
         QTime(16, 20),
         "21 Pretend Lane (SYNTHETIC)",
         "ZZ2 3DD",
         kJade,
         kKyle,
         {born("Noah", "Dunmore-SYNTHETIC", QDate(2026, 5, 25), "", v1::GRADE_RED,
               "SYNTHETIC: baby of 15 weeks present, suspect breached bail")}},
        // No notice made.
        {"demo/fenwick/1",
         "SYN-OFFICER-0103",
         QDate(2026, 11, 25),
         QTime(20, 10),
         "40 Imaginary Row (SYNTHETIC)",
         "ZZ1 6EE",
         kGail,
         kRoss,
         {born("Leo", "Fenwick-SYNTHETIC", QDate(2014, 4, 4), "100002", v1::GRADE_AMBER,
               "SYNTHETIC: verbal argument, child upset", true)}},
    };
}

} // namespace

QList<DemoRecord> demoRecords(const protocol::RiskChecklistRegistry &checklists)
{
    QList<DemoRecord> out;
    quint32 seed = 20261;
    for (const Incident &in : incidents())
        out.append({QString::fromLatin1(in.officer), shape(checklists, in, seed++)});
    return out;
}

DemoExpectation expectedDemoPicture()
{
    DemoExpectation e;
    // Poppy (and Poppie, proposed), Alfie, Isla, Ava, Mia, Noah (the
    // unborn child's record too), Leo.
    e.children = 8;
    e.adults = 9; // Rowan, Dale, Kerry, Sam, Lee, Jade, Kyle, Gail, Ross
    e.proposals = 1;
    e.reportsPerPerson = {
        {QStringLiteral("poppy ashdown synthetic"), 2},
        {QStringLiteral("alfie ashdown synthetic"), 3},
        {QStringLiteral("isla corrie synthetic"), 2},
        {QStringLiteral("ava corrie synthetic"), 2},
        {QStringLiteral("noah dunmore synthetic"), 2},
        {QStringLiteral("rowan ashdown synthetic"), 3},
        {QStringLiteral("dale brackley synthetic"), 4},
        {QStringLiteral("mia ellery synthetic"), 1},
        {QStringLiteral("jade dunmore synthetic"), 2},
    };
    return e;
}

} // namespace safeguard::hub::picture
