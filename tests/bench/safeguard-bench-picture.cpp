// safeguard-bench-picture: the hub's picture, on the real disk.
//
//   safeguard-bench picture [--smoke] [--reports N] [--dir DIR]
//
// Loads N synthetic reports (100,000; 10,000 with --smoke; scripts/bench.sh
// runs 1,000,000) into a hub store in batches of 10,000 and takes each batch
// into the picture, as the worker does: a synthetic population of families
// (each seen a few times, so people link across reports) and one child
// with 200 reports spread through the load. Then:
// - picture.chronology_p50 / p99: that child's chronology and concerns, as
//   the staff API reads them (aim: under 50 ms at 1,000,000);
// - picture.apply_throughput: versions taken into the picture per second
//   (matching, sealing, indexing and the rules together), and
//   picture.match_throughput / picture.rules_throughput for matching and
//   the rules alone, in memory;
// - picture.ingest_with_worker: the hub's commit time for device-sized
//   batches while a picture worker drains the queue, against the same
//   batches with no worker (interleaved, so both see the same disk): the
//   ratio is the picture's cost to ingest (aim: within 10 %).
// One JSON object per line. Refuses tmpfs (durable commits would be free).
#include "benchoutput.h"
#include "hub/hubstore.h"
#include "picture/concern.h"
#include "picture/identity.h"
#include "picture/picturekeys.h"
#include "picture/picturestore.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <thread>

using namespace safeguard;
using namespace safeguard::hub;
using namespace safeguard::hub::picture;

namespace {

using bench::percentile;
using bench::report;

[[noreturn]] void die(const QString &what)
{
    bench::die("safeguard-bench-picture", what);
}

// Distinct, pronounceable, obviously fake names from a number.
QString nameFor(quint64 n)
{
    static const char *syllables[] = {"ba", "ko",  "ri", "sen", "tu",  "la",  "mo",
                                      "vi", "dar", "pe", "zo",  "ni",  "gal", "hu",
                                      "fe", "ro",  "ty", "wen", "qua", "lix"};
    QString out;
    do {
        out += QLatin1String(syllables[n % 20]);
        n /= 20;
    } while (n > 0);
    out[0] = out[0].toUpper();
    return out;
}

void setDate(v1::CalendarDate *d, QDate q)
{
    d->set_year(q.year());
    d->set_month(q.month());
    d->set_day(q.day());
}

// Reports about a synthetic population: family f's k-th report. One model
// record (form 2, one child, two adults) with its people rewritten.
class Population
{
public:
    explicit Population(const protocol::RiskChecklistRegistry &checklists)
    {
        protocol::ManualClock clock(QDateTime(QDate(2026, 1, 5), QTime(9, 0), Qt::UTC));
        protocol::SyntheticRecordFactory factory(7, clock, checklists);
        factory.setFormVersion(2);
        do
            m_model = factory.next(QStringLiteral("SYN-OFFICER-0001"));
        while (m_model.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE ||
               m_model.people_size() < 2);
        while (m_model.people_size() > 2)
            m_model.mutable_people()->RemoveLast();
        while (m_model.children_size() > 1)
            m_model.mutable_children()->RemoveLast();
    }

    v1::IncidentRecord report(quint64 family, quint64 serial) const
    {
        v1::IncidentRecord r = m_model;
        r.set_record_id(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString());
        const QString surname = nameFor(family + 1000) + QStringLiteral("-SYNTHETIC");
        const QDateTime at =
            QDateTime(QDate(2020, 1, 1), QTime(20, 0), Qt::UTC)
                .addSecs(qint64(serial % 2000) * 86400 + qint64(family % 600) * 60);
        r.mutable_incident()->mutable_occurred_at()->set_unix_ms(at.toMSecsSinceEpoch());
        v1::PostalAddress *a = r.mutable_incident()->mutable_address();
        a->clear_lines();
        // One family to an address, as most are (a shared one, a hostel or
        // a refuge, costs more: every child there is evaluated again for
        // each new report, at most 200).
        a->add_lines(
            QStringLiteral("%1 Bench Street (SYNTHETIC)").arg(family % 1000 + 1).toStdString());
        const char letters[] = {char('A' + family / 90000 % 26), char('A' + family / 2340000 % 26),
                                0};
        a->set_postcode(QStringLiteral("ZZ%1 %2%3")
                            .arg(family / 1000 % 9 + 1)
                            .arg(family / 9000 % 10)
                            .arg(QLatin1String(letters))
                            .toStdString());
        for (int i = 0; i < 2; ++i) {
            v1::Person *p = r.mutable_people(i);
            p->set_given_names(nameFor(family * 2 + quint64(i) + 7).toStdString());
            p->set_family_name(surname.toStdString());
            p->clear_aliases();
            setDate(p->mutable_date_of_birth(),
                    QDate(1970, 1, 1).addDays(qint64(family * 7 + i) % 9000));
            p->set_force_identifier(i == 1 ? QStringLiteral("SYN-PNC-%1").arg(family).toStdString()
                                           : std::string());
            *p->mutable_address() = *a;
        }
        v1::ChildIdentity *c = r.mutable_children(0)->mutable_identity();
        c->set_given_names(nameFor(family * 3 + 11).toStdString());
        c->set_family_name(surname.toStdString());
        c->clear_aliases();
        c->clear_estimated_age_years();
        setDate(c->mutable_date_of_birth(), QDate(2010, 1, 1).addDays(qint64(family * 13) % 4000));
        c->clear_address_if_different();
        c->mutable_education()->set_urn("100002");
        r.mutable_children(0)->set_grade(serial % 3 == 0 ? v1::GRADE_AMBER : v1::GRADE_GREEN);
        return r;
    }

private:
    v1::IncidentRecord m_model;
};

IngestItem itemFor(const v1::IncidentRecord &r)
{
    IngestItem item;
    item.recordId = QString::fromStdString(r.record_id());
    item.version = r.version();
    item.plaintext = QByteArray::fromStdString(r.SerializeAsString());
    item.sha256 = QCryptographicHash::hash(item.plaintext, QCryptographicHash::Sha256);
    item.keep = true;
    return item;
}

bool commit(HubStore &hub, std::vector<IngestItem> items, int batch)
{
    BatchWrite write;
    write.batchId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    write.deviceId = QStringLiteral("SYN-DEVICE-BENCH");
    write.officerId = QStringLiteral("SYN-OFFICER-0001");
    write.receivedAtMs = 1767225600000 + batch;
    write.items = std::move(items);
    std::vector<StoredResult> results;
    return hub.commitBatch(write, results).ok();
}

// Drains the hub's picture queue; the versions applied.
qint64 drain(HubStore &hub, PictureStore &picture)
{
    qint64 applied = 0;
    for (;;) {
        QString error;
        const int n =
            runPictureWork(hub, picture, QStringLiteral("bench"), 1767225600000, 500, &error);
        if (n < 0)
            die(error);
        if (n == 0)
            return applied;
        applied += n;
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    qint64 total = smoke ? 10000 : 100000;
    if (const int i = int(args.indexOf(QStringLiteral("--reports"))); i > 0 && i + 1 < args.size())
        total = args[i + 1].toLongLong();
    if (total < 1000)
        die(QStringLiteral("--reports takes at least 1000"));
    QString root = QDir(QCoreApplication::applicationDirPath())
                       .filePath(QStringLiteral("../bench-data/picture"));
    if (const int i = int(args.indexOf(QStringLiteral("--dir"))); i > 0 && i + 1 < args.size())
        root = args[i + 1];
    QDir(root).removeRecursively();
    if (!QDir().mkpath(root))
        die(QStringLiteral("cannot create %1").arg(root));
    struct statfs fs
    {
    };
    if (statfs(QFile::encodeName(root).constData(), &fs) == 0 && fs.f_type == TMPFS_MAGIC)
        die(QStringLiteral("%1 is on tmpfs; durable-commit figures would be meaningless")
                .arg(root));

    const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
    const Population population(checklists);
    HubStoreError he;
    auto hub = HubStore::open(
        QStringLiteral("sqlite:") + QDir(root).filePath(QStringLiteral("hub.db")), &he);
    if (!hub)
        die(he.message);
    QString error;
    auto keys =
        PictureKeys::openOrCreate(QDir(root).filePath(QStringLiteral("picture.key")), &error);
    if (!keys)
        die(error);
    auto picture =
        PictureStore::openSqlite(QDir(root).filePath(QStringLiteral("picture.db")), *keys, &error);
    if (!picture)
        die(error);

    // The load: each family seen about five times; the bench child (family
    // 0) 200 times, spread evenly.
    constexpr int kLoadBatch = 10000;
    constexpr int kTargetReports = 200;
    const quint64 families = quint64(std::max<qint64>(1, total / 5));
    const qint64 every = total / kTargetReports;
    double applySeconds = 0;
    qint64 applied = 0;
    int batch = 0;
    for (qint64 done = 0; done < total;) {
        std::vector<IngestItem> items;
        for (; done < total && qint64(items.size()) < kLoadBatch; ++done) {
            const quint64 family = done % every == 0 ? 0 : 1 + quint64(done * 7919) % families;
            items.push_back(itemFor(population.report(family, quint64(done))));
        }
        if (!commit(*hub, std::move(items), ++batch))
            die(QStringLiteral("the hub did not commit a load batch"));
        QElapsedTimer t;
        t.start();
        applied += drain(*hub, *picture);
        applySeconds += double(t.nsecsElapsed()) / 1e9;
    }
    const QString n = QStringLiteral("_%1").arg(total);
    report(QStringLiteral("picture.apply_throughput") + n, double(applied) / applySeconds,
           "versions/s", "higher", {{QStringLiteral("total_s"), applySeconds}});
    const PictureCounts counts = picture->counts();
    report(QStringLiteral("picture.people") + n, double(counts.children + counts.adults), "people",
           "higher",
           {{QStringLiteral("children"), counts.children},
            {QStringLiteral("adults"), counts.adults},
            {QStringLiteral("proposals"), counts.proposals}});

    // The bench child's chronology, as staff read it.
    v1::IncidentRecord first = population.report(0, 0);
    QString target;
    for (const QString &key : picture->personKeys(PictureStore::Kind::Child)) {
        const QList<Appearance> h = picture->chronology(key);
        if (!h.isEmpty() &&
            h.first().facts.givenNames ==
                QString::fromStdString(first.children(0).identity().given_names())) {
            target = key;
            break;
        }
    }
    if (target.isEmpty())
        die(QStringLiteral("the bench child is not in the picture"));
    const int reports = int(picture->chronology(target).size());
    if (reports < kTargetReports)
        die(QStringLiteral("the bench child has %1 reports, not %2")
                .arg(reports)
                .arg(kTargetReports));
    std::vector<double> ms;
    QList<Report> history;
    for (int i = 0; i < (smoke ? 50 : 200); ++i) {
        QElapsedTimer t;
        t.start();
        const QList<Appearance> h = picture->chronology(target);
        const QList<TriggeredRule> c = picture->concerns(target);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (h.size() != reports)
            die(QStringLiteral("the chronology changed"));
        if (history.isEmpty())
            for (const Appearance &a : h)
                history << a.report;
    }
    report(QStringLiteral("picture.chronology_p50") + n, percentile(ms, 0.5), "ms", "lower",
           {{QStringLiteral("reports"), reports}});
    report(QStringLiteral("picture.chronology_p99") + n, percentile(ms, 0.99), "ms", "lower",
           {{QStringLiteral("reports"), reports}});

    // Matching and the rules alone, in memory.
    {
        QList<PersonFacts> people;
        for (int i = 0; i < 2000; ++i) {
            const v1::IncidentRecord r = population.report(quint64(i % 400), 0);
            const v1::ChildIdentity &id = r.children(0).identity();
            PersonFacts f;
            f.givenNames = QString::fromStdString(id.given_names());
            f.familyName = QString::fromStdString(id.family_name());
            f.dateOfBirth = QDate(id.date_of_birth().year(), id.date_of_birth().month(),
                                  id.date_of_birth().day());
            f.postcode = QStringLiteral("ZZ1 1AB");
            f.address = QStringLiteral("1 Bench Street");
            people << f;
        }
        QElapsedTimer t;
        t.start();
        qint64 pairs = 0, strong = 0;
        for (int i = 0; i < people.size(); ++i)
            for (int j = i + 1; j < people.size() && j < i + 200; ++j, ++pairs)
                strong += compare(people[i], people[j]).strength == MatchStrength::Strong;
        report(QStringLiteral("picture.match_throughput"),
               double(pairs) / (double(t.nsecsElapsed()) / 1e9), "comparisons/s", "higher",
               {{QStringLiteral("strong"), strong}});
        t.restart();
        int evaluations = 0;
        while (t.elapsed() < (smoke ? 200 : 2000)) {
            ConcernRules::builtIn().evaluateChild(history, {});
            ++evaluations;
        }
        report(QStringLiteral("picture.rules_throughput"),
               double(evaluations) / (double(t.nsecsElapsed()) / 1e9), "histories/s", "higher",
               {{QStringLiteral("reports_per_history"), int(history.size())}});
    }

    // Ingest with a worker draining the queue against ingest alone: the
    // same device-sized batches into two fresh hubs, interleaved.
    {
        auto hubOff = HubStore::open(
            QStringLiteral("sqlite:") + QDir(root).filePath(QStringLiteral("ingest-off.db")), &he);
        auto hubOn = HubStore::open(
            QStringLiteral("sqlite:") + QDir(root).filePath(QStringLiteral("ingest-on.db")), &he);
        auto pictureOn = PictureStore::openSqlite(
            QDir(root).filePath(QStringLiteral("ingest-on-picture.db")), *keys, &error);
        if (!hubOff || !hubOn || !pictureOn)
            die(QStringLiteral("cannot open the ingest stores"));
        std::atomic<bool> stop{false};
        std::thread worker([&] {
            while (!stop.load()) {
                QString e;
                if (runPictureWork(*hubOn, *pictureOn, QStringLiteral("bench-worker"),
                                   1767225600000, 100, &e) <= 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        const int batches = smoke ? 20 : 100;
        constexpr int kDeviceBatch = 100;
        double off = 0, on = 0;
        quint64 serial = 0;
        for (int b = 0; b < batches; ++b) {
            std::vector<IngestItem> a, c;
            for (int i = 0; i < kDeviceBatch; ++i, ++serial) {
                const v1::IncidentRecord r = population.report(1 + serial % families, serial);
                a.push_back(itemFor(r));
                c.push_back(itemFor(r));
            }
            QElapsedTimer t;
            t.start();
            if (!commit(*hubOff, std::move(a), b))
                die(QStringLiteral("commit failed"));
            off += double(t.nsecsElapsed()) / 1e9;
            t.restart();
            if (!commit(*hubOn, std::move(c), b))
                die(QStringLiteral("commit failed"));
            on += double(t.nsecsElapsed()) / 1e9;
        }
        stop = true;
        worker.join();
        const double perBatchOff = off / batches, perBatchOn = on / batches;
        report(QStringLiteral("picture.ingest_with_worker"), perBatchOn * 1000, "ms/batch", "lower",
               {{QStringLiteral("baseline"), perBatchOff * 1000},
                {QStringLiteral("ratio"), std::round(perBatchOn / perBatchOff * 1000) / 1000},
                {QStringLiteral("records_per_batch"), kDeviceBatch}});
    }
    picture.reset();
    hub.reset();
    QDir(root).removeRecursively(); // gigabytes at 1,000,000
    return 0;
}
