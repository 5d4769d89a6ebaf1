// safeguard-bench-hub: ingest throughput and request latency of a real hub
// process (plain HTTP on loopback, data directory on the build tree's disk,
// durable commits), for 10,000 synthetic records in batches of 100 from one
// device and from 16 devices at once. --smoke: 500 records, a few seconds.
//
// Records are generated and sealed before the clock starts: the figures are
// the hub's cost (HTTP, opening seals, validation, durable commits, where
// concurrent batches share one fsynced transaction), not the device's.
// hub_cpu_per_record is the hub process's own CPU time (user + system, from
// /proc) per record: unlike records/s it hardly moves when other work shares
// the cores.
#include "hubprocess.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "wire/batchbuilder.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <thread>
#include <unistd.h>

using namespace safeguard;

namespace {

constexpr int kBatchRecords = 100;

void printLine(const QJsonObject &o)
{
    std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

void figure(const QString &name, double value, const char *unit, const char *better,
            const QJsonObject &extra = {})
{
    QJsonObject o = extra;
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("value"), std::round(value * 100) / 100);
    o.insert(QStringLiteral("unit"), QString::fromLatin1(unit));
    o.insert(QStringLiteral("better"), QString::fromLatin1(better));
    printLine(o);
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

// CPU seconds (user + system) the process has used so far.
double cpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = f.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    return double(fields[11].toLongLong() + fields[12].toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

struct Run
{
    double recordsPerSecond = 0;
    double p50 = 0, p99 = 0;
    int failures = 0;
};

// Sends every device's batches, one thread per device, each request on a
// fresh connection as a device on a flaky network would.
Run drive(const QUrl &url, const std::vector<testing::EnrolledDevice> &devices,
          const std::vector<std::vector<QByteArray>> &batches, int totalRecords)
{
    std::vector<std::vector<double>> latencies(devices.size());
    std::vector<int> failures(devices.size(), 0);
    QElapsedTimer wall;
    wall.start();
    std::vector<std::thread> threads;
    for (size_t d = 0; d < devices.size(); ++d) {
        threads.emplace_back([&, d] {
            for (const QByteArray &body : batches[d]) {
                QElapsedTimer t;
                t.start();
                const testing::HttpReply r = testing::RawHttp::post(
                    url, "/v1/sync", body, "application/x-protobuf", devices[d].authorization());
                latencies[d].push_back(double(t.nsecsElapsed()) / 1e6);
                v1::SyncReceipt receipt;
                if (r.status != 200 ||
                    !receipt.ParseFromArray(r.body.constData(), int(r.body.size())))
                    ++failures[d];
                else
                    for (const auto &result : receipt.results())
                        if (result.result() != v1::RecordResult::RESULT_ACCEPTED)
                            ++failures[d];
            }
        });
    }
    for (auto &t : threads)
        t.join();
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
    Run run;
    std::vector<double> all;
    for (size_t d = 0; d < devices.size(); ++d) {
        all.insert(all.end(), latencies[d].begin(), latencies[d].end());
        run.failures += failures[d];
    }
    run.recordsPerSecond = totalRecords / seconds;
    run.p50 = percentile(all, 0.50);
    run.p99 = percentile(all, 0.99);
    return run;
}

std::vector<std::vector<QByteArray>> prepare(const std::vector<testing::EnrolledDevice> &devices,
                                             int totalRecords, quint32 seed)
{
    const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
    protocol::ManualClock clock(QDateTime::currentDateTimeUtc());
    std::vector<std::vector<QByteArray>> out(devices.size());
    const int perDevice = (totalRecords + int(devices.size()) - 1) / int(devices.size());
    for (size_t d = 0; d < devices.size(); ++d) {
        protocol::SyntheticRecordFactory factory(seed + quint32(d), clock, checklists);
        syncwire::BatchBuilder builder(
            QByteArray::fromStdString(devices[d].code.sealing_public_key()),
            {devices[d].deviceId, QString::fromStdString(devices[d].code.hub_id()),
             devices[d].signer()});
        for (int done = 0; done < perDevice;) {
            v1::SyncBatch batch = builder.batch(quint64(out[d].size() + 1), clock.nowMs(), 0);
            for (int i = 0; i < kBatchRecords && done < perDevice; ++i, ++done)
                *batch.add_records() =
                    builder.seal(factory.next(devices[d].officerId, devices[d].deviceId));
            out[d].push_back(QByteArray::fromStdString(batch.SerializeAsString()));
        }
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const int records = smoke ? 500 : 10000;

    // The build tree, not /tmp: tmpfs would make fsync free and the figures a lie.
    QTemporaryDir dir(QDir(QCoreApplication::applicationDirPath())
                          .filePath(QStringLiteral("../bench-hub-XXXXXX")));
    testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY),
                            dir.filePath(QStringLiteral("hub")));
    if (!hub.start({QStringLiteral("--plain-http"), QStringLiteral("--quiet"),
                    QStringLiteral("--max-inflight"), QStringLiteral("64")})) {
        std::fprintf(stderr, "safeguard-bench-hub: the hub did not start: %s\n",
                     qPrintable(hub.stderrText()));
        return 1;
    }
    const QStringList codes = hub.enrolmentCodes(17);
    std::vector<testing::EnrolledDevice> devices;
    for (const QString &code : codes) {
        auto device = testing::enrol(hub.url(), code);
        if (!device) {
            std::fprintf(stderr, "safeguard-bench-hub: enrolment failed\n");
            return 1;
        }
        devices.push_back(*device);
    }
    const std::vector<testing::EnrolledDevice> one(devices.begin(), devices.begin() + 1);
    const std::vector<testing::EnrolledDevice> sixteen(devices.begin() + 1, devices.end());

    const auto singleBatches = prepare(one, records, 1);
    const double cpu0 = cpuSeconds(hub.processId());
    const Run single = drive(hub.url(), one, singleBatches, records);
    const auto manyBatches = prepare(sixteen, records, 100);
    const double cpu1 = cpuSeconds(hub.processId());
    const Run many = drive(hub.url(), sixteen, manyBatches, records);
    const double cpu2 = cpuSeconds(hub.processId());

    const QString n = QString::number(records);
    const QJsonObject common{{QStringLiteral("records"), records},
                             {QStringLiteral("batch_records"), kBatchRecords}};
    figure(QStringLiteral("hub_ingest_1_device"), single.recordsPerSecond, "records/s", "higher",
           common);
    figure(QStringLiteral("hub_request_p50_1_device"), single.p50, "ms", "lower", common);
    figure(QStringLiteral("hub_request_p99_1_device"), single.p99, "ms", "lower", common);
    QJsonObject vsSingle = common;
    vsSingle.insert(QStringLiteral("baseline"), std::round(single.recordsPerSecond * 100) / 100);
    vsSingle.insert(QStringLiteral("ratio"),
                    std::round(single.recordsPerSecond / many.recordsPerSecond * 1000) / 1000);
    figure(QStringLiteral("hub_ingest_16_devices"), many.recordsPerSecond, "records/s", "higher",
           vsSingle);
    QJsonObject p50 = common;
    p50.insert(QStringLiteral("baseline"), std::round(single.p50 * 100) / 100);
    p50.insert(QStringLiteral("ratio"), std::round(many.p50 / single.p50 * 1000) / 1000);
    figure(QStringLiteral("hub_request_p50_16_devices"), many.p50, "ms", "lower", p50);
    QJsonObject p99 = common;
    p99.insert(QStringLiteral("baseline"), std::round(single.p99 * 100) / 100);
    p99.insert(QStringLiteral("ratio"), std::round(many.p99 / single.p99 * 1000) / 1000);
    figure(QStringLiteral("hub_request_p99_16_devices"), many.p99, "ms", "lower", p99);
    figure(QStringLiteral("hub_cpu_per_record_1_device"), (cpu1 - cpu0) / records * 1e6, "us",
           "lower", common);
    figure(QStringLiteral("hub_cpu_per_record_16_devices"), (cpu2 - cpu1) / records * 1e6, "us",
           "lower", common);

    const QJsonObject stats = hub.stats();
    hub.stop();
    const int expected = records + 16 * ((records + 15) / 16);
    if (single.failures || many.failures ||
        stats.value(QStringLiteral("versions")).toInt() != expected) {
        std::fprintf(stderr,
                     "safeguard-bench-hub: %d + %d records not accepted; hub holds %d of %d\n",
                     single.failures, many.failures,
                     stats.value(QStringLiteral("versions")).toInt(), expected);
        return 1;
    }
    return 0;
}
