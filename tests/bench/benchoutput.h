#pragma once

// What every in-process benchmark suite prints: one JSON object per line
// (name, value, unit, better, and for a figure against a baseline in the
// same run, baseline and ratio), and how it gives up.
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace safeguard::bench {

inline void report(const QString &name, double value, const char *unit, const char *better,
                   QJsonObject extra = {})
{
    extra.insert(QStringLiteral("name"), name);
    extra.insert(QStringLiteral("value"), value);
    extra.insert(QStringLiteral("unit"), QLatin1String(unit));
    extra.insert(QStringLiteral("better"), QLatin1String(better));
    std::printf("%s\n", QJsonDocument(extra).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

// Nearest rank: the value below which a fraction p of the samples fall.
inline double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

[[noreturn]] inline void die(const char *suite, const QString &what)
{
    std::fprintf(stderr, "%s: %s\n", suite, qPrintable(what));
    std::exit(1);
}

} // namespace safeguard::bench
