// safeguard-bench: the one entry point for every benchmark suite.
//
//   safeguard-bench SUITE [--smoke] [suite options...]
//   safeguard-bench all [--smoke]
//
// Each suite is its own executable beside this one (safeguard-bench-SUITE),
// because no process may load both SQLCipher and Qt's SQLite driver, and a
// suite's heavy setup must not distort another's figures. Every suite prints
// one JSON object per line: name, value, unit, better ("lower"/"higher"), and
// for a figure measured against a baseline in the same run, baseline and
// ratio (cost over cost, so lower is better).
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTextStream>

namespace {

const QString kPrefix = QStringLiteral("safeguard-bench-");

QStringList suites(const QDir &dir)
{
    QStringList names;
    for (const QFileInfo &fi : dir.entryInfoList({kPrefix + QLatin1Char('*')},
                                                 QDir::Files | QDir::Executable, QDir::Name))
        names.append(fi.fileName().mid(kPrefix.size()));
    return names;
}

int runSuite(const QDir &dir, const QString &suite, const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedChannels);
    p.start(dir.filePath(kPrefix + suite), args);
    if (!p.waitForStarted()) {
        QTextStream(stderr) << "safeguard-bench: cannot start suite " << suite << ": "
                            << p.errorString() << "\n";
        return 2;
    }
    p.waitForFinished(-1);
    if (p.exitStatus() != QProcess::NormalExit) {
        QTextStream(stderr) << "safeguard-bench: suite " << suite << " crashed\n";
        return 2;
    }
    return p.exitCode();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QDir dir(QCoreApplication::applicationDirPath());
    QStringList args = app.arguments().mid(1);
    const QStringList known = suites(dir);
    if (args.isEmpty() || (args[0] != QLatin1String("all") && !known.contains(args[0]))) {
        QTextStream(stderr) << "usage: safeguard-bench SUITE|all [--smoke] [options]\n"
                            << "suites: " << known.join(QLatin1String(", ")) << "\n";
        return 64;
    }
    const QString suite = args.takeFirst();
    if (suite != QLatin1String("all"))
        return runSuite(dir, suite, args);
    int failures = 0;
    for (const QString &s : known) {
        if (runSuite(dir, s, args) != 0)
            ++failures;
    }
    return failures == 0 ? 0 : 1;
}
