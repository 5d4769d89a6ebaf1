// safeguard-rules: the shared rules from the command line, for developers and
// hub staff. `example` prints a synthetic record as JSON; `validate FILE`
// prints what a record (JSON) lacks before it may be submitted; `checklist`
// prints the built-in risk checklist.
#include "protocol/goodpractice.h"
#include "protocol/limits.h"
#include "protocol/recordjson.h"
#include "protocol/syntheticrecords.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

using namespace safeguard;

namespace {

int usage()
{
    QTextStream(stderr) << "usage: safeguard-rules example [SEED]\n"
                           "       safeguard-rules validate FILE.json\n"
                           "       safeguard-rules checklist\n";
    return 64;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    if (args.isEmpty())
        return usage();
    QTextStream out(stdout);
    const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();

    if (args[0] == QLatin1String("example")) {
        protocol::SyntheticRecordFactory factory(args.value(1, QStringLiteral("1")).toUInt(),
                                                 protocol::SystemClock::instance(), checklists);
        out << protocol::messageToJson(factory.next(), true) << "\n";
        return 0;
    }
    if (args[0] == QLatin1String("checklist")) {
        const auto *c = checklists.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        out << QJsonDocument::fromJson(c->canonicalJson()).toJson(QJsonDocument::Indented);
        return 0;
    }
    if (args[0] == QLatin1String("validate") && args.size() == 2) {
        QFile f(args[1]);
        if (!f.open(QIODevice::ReadOnly)) {
            QTextStream(stderr) << "safeguard-rules: cannot read " << args[1] << ": "
                                << f.errorString() << "\n";
            return 66;
        }
        v1::IncidentRecord record;
        QString error;
        if (!protocol::messageFromJson(f.readAll(), &record, &error)) {
            QTextStream(stderr) << "safeguard-rules: not a record: " << error << "\n";
            return 65;
        }
        protocol::RecordIssues issues = protocol::checkStructure(record);
        issues += protocol::checkLimits(record);
        issues += protocol::GoodPracticeValidator(checklists).check(record);
        const QJsonObject result{{QStringLiteral("ready_to_submit"), issues.isEmpty()},
                                 {QStringLiteral("issues"), protocol::toJson(issues)}};
        out << QJsonDocument(result).toJson(QJsonDocument::Indented);
        return issues.isEmpty() ? 0 : 1;
    }
    return usage();
}
