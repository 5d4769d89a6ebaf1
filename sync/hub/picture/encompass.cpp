#include "encompass.h"

#include "ukclock.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace safeguard::hub::picture {

namespace {

// How far ahead a school day is looked for: past the longest holiday.
constexpr int kSearchDays = 120;

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

QString normalisedPostcode(const QString &postcode)
{
    return postcode.toUpper().removeIf([](QChar c) { return c.isSpace(); });
}

std::optional<Nation> nationFrom(const QString &s)
{
    if (s == QLatin1String("england"))
        return Nation::England;
    if (s == QLatin1String("wales"))
        return Nation::Wales;
    return std::nullopt;
}

std::optional<NoticeLanguage> languageFrom(const QString &s)
{
    if (s == QLatin1String("english"))
        return NoticeLanguage::English;
    if (s == QLatin1String("welsh"))
        return NoticeLanguage::Welsh;
    return std::nullopt;
}

bool readDate(const QJsonValue &v, QDate *out)
{
    *out = QDate::fromString(v.toString(), Qt::ISODate);
    return out->isValid();
}

// Reads a calendar's fields from an object into *calendar (fields absent
// keep what *calendar held, so a setting inherits its authority's).
bool readCalendar(const QJsonObject &o, SchoolCalendar *calendar, const QString &where,
                  QString *error)
{
    if (o.contains(QLatin1String("day_starts"))) {
        calendar->dayStarts = QTime::fromString(o.value(QLatin1String("day_starts")).toString(),
                                                QStringLiteral("HH:mm"));
        if (!calendar->dayStarts.isValid())
            return fail(error, QStringLiteral("%1: day_starts is not HH:mm").arg(where));
    }
    if (o.contains(QLatin1String("terms"))) {
        calendar->terms.clear();
        for (const QJsonValue &t : o.value(QLatin1String("terms")).toArray()) {
            const QJsonArray pair = t.toArray();
            TermDates term;
            if (pair.size() != 2 || !readDate(pair[0], &term.first) ||
                !readDate(pair[1], &term.last) || term.last < term.first)
                return fail(error,
                            QStringLiteral("%1: a term is [first, last] as yyyy-mm-dd").arg(where));
            calendar->terms.append(term);
        }
    }
    if (o.contains(QLatin1String("closures"))) {
        calendar->closures.clear();
        for (const QJsonValue &c : o.value(QLatin1String("closures")).toArray()) {
            QDate d;
            if (!readDate(c, &d))
                return fail(error, QStringLiteral("%1: a closure is yyyy-mm-dd").arg(where));
            calendar->closures.append(d);
        }
    }
    return true;
}

bool onlyKeys(const QJsonObject &o, const QStringList &keys, const QString &where, QString *error)
{
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!keys.contains(it.key()))
            return fail(error, QStringLiteral("%1: unknown key \"%2\"").arg(where, it.key()));
    return true;
}

} // namespace

// ------------------------------------------------------------- directory

std::optional<EncompassDirectory> EncompassDirectory::fromJson(const QByteArray &json,
                                                               QString *error)
{
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    if (!doc.isObject()) {
        fail(error, QStringLiteral("not a JSON object: %1").arg(parse.errorString()));
        return std::nullopt;
    }
    const QJsonObject root = doc.object();
    // A misspelt key is refused, never ignored: this is a statutory deadline.
    if (!onlyKeys(root,
                  {QStringLiteral("version"), QStringLiteral("default_local_authority"),
                   QStringLiteral("bank_holidays"), QStringLiteral("local_authorities"),
                   QStringLiteral("settings"), QStringLiteral("comment")},
                  QStringLiteral("directory"), error))
        return std::nullopt;
    if (root.value(QLatin1String("version")).toInt() != 1) {
        fail(error, QStringLiteral("directory: version must be 1"));
        return std::nullopt;
    }
    EncompassDirectory d;
    const QJsonObject holidays = root.value(QLatin1String("bank_holidays")).toObject();
    for (const QString &n : {QStringLiteral("england"), QStringLiteral("wales")}) {
        if (!holidays.contains(n)) {
            fail(error, QStringLiteral("bank_holidays: %1 is missing").arg(n));
            return std::nullopt;
        }
        QList<QDate> days;
        for (const QJsonValue &v : holidays.value(n).toArray()) {
            QDate day;
            if (!readDate(v, &day)) {
                fail(error, QStringLiteral("bank_holidays.%1: a date is yyyy-mm-dd").arg(n));
                return std::nullopt;
            }
            days.append(day);
        }
        d.m_holidays.insert(int(*nationFrom(n)), days);
    }
    for (const QJsonValue &v : root.value(QLatin1String("local_authorities")).toArray()) {
        const QJsonObject o = v.toObject();
        LocalAuthority la;
        la.id = o.value(QLatin1String("id")).toString();
        const QString where = QStringLiteral("local authority %1").arg(la.id);
        if (la.id.isEmpty() ||
            !onlyKeys(o,
                      {QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("nation"),
                       QStringLiteral("postcode_prefixes"), QStringLiteral("day_starts"),
                       QStringLiteral("terms"), QStringLiteral("closures"),
                       QStringLiteral("language")},
                      where, error)) {
            if (la.id.isEmpty())
                fail(error, QStringLiteral("a local authority has no id"));
            return std::nullopt;
        }
        la.name = o.value(QLatin1String("name")).toString();
        const auto nation = nationFrom(o.value(QLatin1String("nation")).toString());
        const auto language =
            languageFrom(o.value(QLatin1String("language")).toString(QStringLiteral("english")));
        if (!nation || !language) {
            fail(error, QStringLiteral("%1: nation is england or wales, language english or "
                                       "welsh")
                            .arg(where));
            return std::nullopt;
        }
        la.nation = *nation;
        la.language = *language;
        for (const QJsonValue &p : o.value(QLatin1String("postcode_prefixes")).toArray())
            la.postcodePrefixes.append(normalisedPostcode(p.toString()));
        if (!readCalendar(o, &la.calendar, where, error))
            return std::nullopt;
        d.m_authorities.append(la);
    }
    for (const QJsonValue &v : root.value(QLatin1String("settings")).toArray()) {
        const QJsonObject o = v.toObject();
        Setting s;
        s.urn = o.value(QLatin1String("urn")).toString();
        s.name = o.value(QLatin1String("name")).toString();
        s.localAuthority = o.value(QLatin1String("local_authority")).toString();
        const QString where = QStringLiteral("setting %1").arg(s.urn);
        if (!onlyKeys(o,
                      {QStringLiteral("urn"), QStringLiteral("name"),
                       QStringLiteral("local_authority"), QStringLiteral("day_starts"),
                       QStringLiteral("terms"), QStringLiteral("closures"),
                       QStringLiteral("language")},
                      where, error))
            return std::nullopt;
        const LocalAuthority *la = d.authority(s.localAuthority);
        if (s.urn.isEmpty() || !la) {
            fail(error, QStringLiteral("%1: needs a urn and a known local_authority").arg(where));
            return std::nullopt;
        }
        s.calendar = la->calendar; // inherited unless the setting says otherwise
        if (!readCalendar(o, &s.calendar, where, error))
            return std::nullopt;
        if (o.contains(QLatin1String("language"))) {
            s.language = languageFrom(o.value(QLatin1String("language")).toString());
            if (!s.language) {
                fail(error, QStringLiteral("%1: language is english or welsh").arg(where));
                return std::nullopt;
            }
        }
        d.m_settings.append(s);
    }
    d.m_default = root.value(QLatin1String("default_local_authority")).toString();
    if (!d.authority(d.m_default)) {
        fail(error, QStringLiteral("default_local_authority names no local authority"));
        return std::nullopt;
    }
    return d;
}

const EncompassDirectory &EncompassDirectory::builtIn()
{
    static const EncompassDirectory d = [] {
        QFile f(QStringLiteral(":/safeguard/picture/encompass-directory.json"));
        QString error;
        std::optional<EncompassDirectory> parsed;
        if (f.open(QIODevice::ReadOnly))
            parsed = fromJson(f.readAll(), &error);
        // The shipped file is tested; a build without it is a build error.
        Q_ASSERT_X(parsed, "EncompassDirectory::builtIn", qPrintable(error));
        return parsed ? *parsed : EncompassDirectory();
    }();
    return d;
}

const Setting *EncompassDirectory::setting(const QString &urn) const
{
    for (const Setting &s : m_settings)
        if (!urn.isEmpty() && s.urn == urn.trimmed())
            return &s;
    return nullptr;
}

const LocalAuthority *EncompassDirectory::authority(const QString &id) const
{
    for (const LocalAuthority &la : m_authorities)
        if (la.id == id)
            return &la;
    return nullptr;
}

const LocalAuthority *EncompassDirectory::authorityForPostcode(const QString &postcode) const
{
    const QString p = normalisedPostcode(postcode);
    const LocalAuthority *best = nullptr;
    qsizetype bestLength = 0;
    for (const LocalAuthority &la : m_authorities)
        for (const QString &prefix : la.postcodePrefixes)
            if (!p.isEmpty() && p.startsWith(prefix) && prefix.size() > bestLength) {
                best = &la;
                bestLength = prefix.size();
            }
    return best ? best : defaultAuthority();
}

const LocalAuthority *EncompassDirectory::defaultAuthority() const
{
    return authority(m_default);
}

const QList<QDate> &EncompassDirectory::bankHolidays(Nation nation) const
{
    static const QList<QDate> none;
    const auto it = m_holidays.constFind(int(nation));
    return it == m_holidays.cend() ? none : *it;
}

bool EncompassDirectory::coversYear(Nation nation, int year) const
{
    for (const QDate &d : bankHolidays(nation))
        if (d.year() == year)
            return true;
    return false;
}

// -------------------------------------------------------------- deadline

Deadline nextSchoolDayStart(const SchoolCalendar &calendar, const QList<QDate> &holidays,
                            const std::function<bool(int)> &yearCovered, const QDateTime &afterUtc)
{
    Deadline out;
    QDate lastTermDay;
    for (const TermDates &t : calendar.terms)
        if (!lastTermDay.isValid() || t.last > lastTermDay)
            lastTermDay = t.last;
    const QDate from = ukclock::toLocal(afterUtc).date;
    for (int i = 0; i <= kSearchDays; ++i) {
        const QDate day = from.addDays(i);
        if (!yearCovered(day.year())) {
            out.error = QStringLiteral("no bank holiday data for %1: check the deadline by hand")
                            .arg(day.year());
            return out;
        }
        if (!calendar.terms.isEmpty() && day > lastTermDay) {
            out.error = QStringLiteral("the term dates end on %1: check the deadline by hand")
                            .arg(lastTermDay.toString(Qt::ISODate));
            return out;
        }
        if (day.dayOfWeek() > 5 || holidays.contains(day) || calendar.closures.contains(day))
            continue;
        bool inTerm = calendar.terms.isEmpty();
        for (const TermDates &t : calendar.terms)
            inTerm = inTerm || (day >= t.first && day <= t.last);
        if (!inTerm)
            continue;
        const QDateTime start = ukclock::toUtc(day, calendar.dayStarts);
        if (start <= afterUtc.toUTC())
            continue; // that day has already begun
        out.schoolDay = day;
        out.dueUtc = start;
        return out;
    }
    out.error = QStringLiteral("no school day within %1 days: check the calendar").arg(kSearchDays);
    return out;
}

// ---------------------------------------------------------------- notice

namespace {

QString joinedName(const v1::ChildIdentity &id)
{
    return QStringLiteral("%1 %2")
        .arg(QString::fromStdString(id.given_names()), QString::fromStdString(id.family_name()))
        .simplified();
}

QString placeOf(const v1::Incident &in)
{
    QStringList parts;
    for (const std::string &l : in.address().lines())
        parts << QString::fromStdString(l);
    if (!in.address().town().empty())
        parts << QString::fromStdString(in.address().town());
    if (!in.address().postcode().empty())
        parts << QString::fromStdString(in.address().postcode());
    if (!in.location_description().empty())
        parts << QString::fromStdString(in.location_description());
    return parts.join(QStringLiteral(", "));
}

struct Words
{
    const char *child, *dob, *reference, *when, *where, *present, *spokenTo, *said, *otherAdult,
        *circumstances, *doNotContact, *notRecorded;
    const char *yes, *no, *notKnown; // was (present)
    const char *did, *didNot;        // did (spoken to)
    const char *aloneNoOther, *notAlone;
    const char *presence[5];
    const char *days[7];
    const char *months[12];
};

// The Welsh wants a first-language reviewer's eye before a force goes live.
const Words kEnglish{"Child",
                     "Date of birth",
                     "Police reference",
                     "When",
                     "Where",
                     "Was the child present",
                     "Was the child spoken to",
                     "What the child said",
                     "Another adult there when the child spoke",
                     "Brief circumstances",
                     "Do not contact the parents or carers about this notice.",
                     "Not recorded",
                     "Yes",
                     "No",
                     "Not known",
                     "Yes",
                     "No",
                     "No: spoken to alone",
                     "Yes",
                     {"Not recorded", "Yes, in the room", "Yes, elsewhere in the home",
                      "No: lives there but was away", "Not known"},
                     {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
                     {"January", "February", "March", "April", "May", "June", "July", "August",
                      "September", "October", "November", "December"}};
const Words kWelsh{"Plentyn",
                   "Dyddiad geni",
                   "Cyfeirnod yr heddlu",
                   "Pryd",
                   "Ble",
                   "A oedd y plentyn yn bresennol",
                   "A siaradwyd â'r plentyn",
                   "Beth ddywedodd y plentyn",
                   "Oedolyn arall yno pan siaradodd y plentyn",
                   "Amgylchiadau byr",
                   "Peidiwch â chysylltu â'r rhieni na'r gofalwyr ynghylch yr hysbysiad hwn.",
                   "Heb ei gofnodi",
                   "Oedd",
                   "Nac oedd",
                   "Ddim yn hysbys",
                   "Do",
                   "Naddo",
                   "Nac oedd: siaradwyd â'r plentyn heb oedolyn arall",
                   "Oedd",
                   {"Heb ei gofnodi", "Oedd, yn yr ystafell", "Oedd, mewn rhan arall o'r cartref",
                    "Nac oedd: yn byw yno ond i ffwrdd", "Ddim yn hysbys"},
                   {"Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener",
                    "Dydd Sadwrn", "Dydd Sul"},
                   {"Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf",
                    "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"}};

// A presence this build does not know reads "not known", never a guess.
int presenceIndex(v1::Presence p)
{
    return p >= v1::PRESENCE_UNSPECIFIED && p <= v1::PRESENCE_NOT_KNOWN
               ? int(p)
               : int(v1::PRESENCE_NOT_KNOWN);
}

QString u(const char *s)
{
    return QString::fromUtf8(s);
}

QString longDate(const Words &w, QDate d)
{
    return QStringLiteral("%1 %2 %3 %4")
        .arg(u(w.days[d.dayOfWeek() - 1]))
        .arg(d.day())
        .arg(u(w.months[d.month() - 1]))
        .arg(d.year());
}

} // namespace

EncompassNotice EncompassNotice::of(const v1::IncidentRecord &record,
                                    const v1::ChildObservation &child)
{
    EncompassNotice n;
    n.childName = joinedName(child.identity());
    n.dateOfBirth = protocol::derived::toQDate(child.identity().date_of_birth());
    n.policeReference = QString::fromStdString(record.incident().police_reference());
    n.occurredUtc =
        QDateTime::fromMSecsSinceEpoch(record.incident().occurred_at().unix_ms(), Qt::UTC);
    n.place = placeOf(record.incident());
    n.presence = child.presence();
    n.presenceDetail = QString::fromStdString(child.presence_detail());
    n.spokenTo = child.spoken_to().answer();
    n.childWords = QString::fromStdString(child.voice().words_verbatim());
    n.otherAdultPresent = QString::fromStdString(child.voice().others_present());
    n.spokenToAlone = child.spoken_to_alone().answer();
    n.circumstances = QString::fromStdString(record.incident().circumstances());
    return n;
}

QString EncompassNotice::text(NoticeLanguage language) const
{
    const Words &w = language == NoticeLanguage::Welsh ? kWelsh : kEnglish;
    const ukclock::WallClock at = ukclock::toLocal(occurredUtc);
    auto answer = [&](v1::Answer a, const char *yes, const char *no) {
        switch (a) {
        case v1::ANSWER_YES:
            return u(yes);
        case v1::ANSWER_NO:
            return u(no);
        case v1::ANSWER_NOT_KNOWN:
            return u(w.notKnown);
        default:
            return u(w.notRecorded);
        }
    };
    QString present = u(w.presence[presenceIndex(presence)]);
    if (!presenceDetail.isEmpty())
        present += QStringLiteral(" (%1)").arg(presenceDetail);
    QString other = otherAdultPresent;
    if (other.isEmpty())
        other = answer(spokenToAlone, w.aloneNoOther, w.notAlone);
    QStringList lines{
        QStringLiteral("%1: %2").arg(u(w.child), childName),
        QStringLiteral("%1: %2").arg(u(w.dob), dateOfBirth.isValid() ? longDate(w, dateOfBirth)
                                                                     : u(w.notRecorded)),
        QStringLiteral("%1: %2").arg(u(w.reference), policeReference),
        QStringLiteral("%1: %2, %3")
            .arg(u(w.when), longDate(w, at.date), at.time.toString(QStringLiteral("HH:mm"))),
        QStringLiteral("%1: %2").arg(u(w.where), place),
        QStringLiteral("%1: %2").arg(u(w.present), present),
        QStringLiteral("%1: %2").arg(u(w.spokenTo), answer(spokenTo, w.did, w.didNot)),
        QStringLiteral("%1: %2").arg(u(w.said),
                                     childWords.isEmpty() ? u(w.notRecorded) : childWords),
        QStringLiteral("%1: %2").arg(u(w.otherAdult), other),
        QStringLiteral("%1: %2").arg(u(w.circumstances), circumstances),
        u(w.doNotContact),
    };
    return lines.join(QLatin1Char('\n'));
}

QJsonObject EncompassNotice::toJson() const
{
    return {
        {QStringLiteral("child_name"), childName},
        {QStringLiteral("date_of_birth"), dateOfBirth.toString(Qt::ISODate)},
        {QStringLiteral("police_reference"), policeReference},
        {QStringLiteral("occurred_at_utc"), occurredUtc.toString(Qt::ISODate)},
        {QStringLiteral("place"), place},
        {QStringLiteral("presence"), QString::fromStdString(v1::Presence_Name(presence))},
        {QStringLiteral("presence_detail"), presenceDetail},
        {QStringLiteral("spoken_to"), QString::fromStdString(v1::Answer_Name(spokenTo))},
        {QStringLiteral("child_words"), childWords},
        {QStringLiteral("other_adult_present"), otherAdultPresent},
        {QStringLiteral("spoken_to_alone"), QString::fromStdString(v1::Answer_Name(spokenToAlone))},
        {QStringLiteral("circumstances"), circumstances}};
}

// ----------------------------------------------------------------- route

QList<EncompassDue> encompassNoticesFor(const v1::IncidentRecord &record,
                                        const EncompassDirectory &directory,
                                        const protocol::derived::EncompassPolicy &policy)
{
    QList<EncompassDue> out;
    const QDateTime occurred =
        QDateTime::fromMSecsSinceEpoch(record.incident().occurred_at().unix_ms(), Qt::UTC);
    for (const v1::ChildObservation &child : record.children()) {
        if (!protocol::derived::inEncompassScope(record, child, policy))
            continue;
        EncompassDue due;
        due.childId = QString::fromStdString(child.child_id());
        due.notice = EncompassNotice::of(record, child);
        const v1::Education &e = child.identity().education();
        const QString postcode =
            QString::fromStdString(child.identity().has_address_if_different()
                                       ? child.identity().address_if_different().postcode()
                                       : record.incident().address().postcode());
        const LocalAuthority *la = directory.authorityForPostcode(postcode);
        const Setting *s = directory.setting(QString::fromStdString(e.urn()));
        const SchoolCalendar *calendar = la ? &la->calendar : nullptr;
        Nation nation = la ? la->nation : Nation::England;
        std::optional<NoticeLanguage> language;
        if (e.setting_type() == v1::SETTING_TYPE_ELECTIVELY_HOME_EDUCATED ||
            e.setting_type() == v1::SETTING_TYPE_NOT_IN_EDUCATION) {
            due.to = EncompassDue::To::LocalAuthority;
            due.routingNote = e.setting_type() == v1::SETTING_TYPE_ELECTIVELY_HOME_EDUCATED
                                  ? QStringLiteral("electively home educated")
                                  : QStringLiteral("not in education");
        } else if (s) {
            const LocalAuthority *own = directory.authority(s->localAuthority);
            due.to = EncompassDue::To::Setting;
            due.recipientId = s->urn;
            due.recipientName = s->name;
            calendar = &s->calendar;
            if (own)
                nation = own->nation;
            language =
                s->language ? s->language : (own ? std::optional(own->language) : std::nullopt);
        } else {
            due.to = EncompassDue::To::LocalAuthority;
            due.routingNote =
                e.urn().empty() ? QStringLiteral("no setting recorded: find the child's setting")
                                : QStringLiteral("URN %1 is not in the directory: find the setting")
                                      .arg(QString::fromStdString(e.urn()));
        }
        if (due.to == EncompassDue::To::LocalAuthority && la) {
            due.recipientId = la->id;
            due.recipientName = la->name;
            language = la->language;
        }
        // The setting's language, else the one the officer chose for notices.
        due.language = language ? *language
                       : record.notice_language() == v1::SERVICE_LANGUAGE_WELSH
                           ? NoticeLanguage::Welsh
                           : NoticeLanguage::English;
        if (calendar) {
            due.deadline = nextSchoolDayStart(
                *calendar, directory.bankHolidays(nation),
                [&](int year) { return directory.coversYear(nation, year); }, occurred);
        } else {
            due.deadline.error = QStringLiteral("no local authority in the directory");
        }
        out.append(due);
    }
    return out;
}

} // namespace safeguard::hub::picture
