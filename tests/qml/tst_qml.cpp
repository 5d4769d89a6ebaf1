// Runs the tst_*.qml files in this directory (Qt Quick Test, offscreen).
// Each file gets a fresh app, composed exactly as main() composes it, in a
// private temporary store, plus a Harness for what a test cannot do through
// the screens: move the clock, add synthetic records, look at what a
// restarted app would find on disk after a crash.
#include "appcontrollers.h"
#include "fakeplatform.h"
#include "fieldpath.h"
#include "formrows.h"
#include "protocol/derivedfacts.h"
#include "protocol/syntheticrecords.h"
#include "recordform.h"
#include "selftest.h"

#include <QDir>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtQuickTest>

using namespace safeguard;
using namespace safeguard::ui;
using safeguard::testing::fakePlatform;

namespace {
const QString kPassphrase = QStringLiteral("SYNTHETIC orbit lantern meadow copper");
}

class Harness : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString passphrase READ passphrase CONSTANT)

public:
    explicit Harness(QObject *parent = nullptr)
        : QObject(parent)
    {}

    // A fresh app for a new test file's engine.
    void recreate()
    {
        m_app.reset();
        m_dir = std::make_unique<QTemporaryDir>();
        m_clock.setNowUtc(QDateTime(QDate(2026, 3, 10), QTime(21, 30), Qt::UTC));
        m_app = std::make_unique<AppControllers>(
            storeDir(), m_clock, FirstRunController::enrolmentCodeCheck(m_clock), fakePlatform());
        m_app->firstRun.setKdfParams(store::KdfLimits::kFloor); // fast tests, still the real floor
        m_app->registerSingletons();
    }

    QString passphrase() const { return kPassphrase; }

    Q_INVOKABLE QString enrolmentCode() const { return syntheticEnrolmentCode(m_clock); }

    // First run done: vault and store made, unlocked.
    Q_INVOKABLE bool setUpStore()
    {
        if (!m_app->firstRun.submitCode(enrolmentCode()) ||
            !m_app->firstRun.finish(kPassphrase, kPassphrase))
            return false;
        m_app->firstRun.goOn(); // past the hub's answer, to home
        return true;
    }

    Q_INVOKABLE void advanceClock(int seconds) { m_clock.advanceSecs(seconds); }

    // Adds complete synthetic drafts; returns the id of the last.
    Q_INVOKABLE QString addDrafts(int n)
    {
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(11, m_clock, checklists);
        QString last;
        for (int i = 0; i < n; ++i) {
            const v1::IncidentRecord r = factory.next();
            m_app->session.recordStore()->saveDraft(r);
            last = QString::fromStdString(r.record_id());
        }
        return last;
    }

    // The content the tap-count test enters through the screens: a complete
    // synthetic domestic abuse record of the current form with two children
    // (held here, never saved). Returns how many adults and children it has.
    Q_INVOKABLE QVariantMap makeReference()
    {
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(3, m_clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        m_reference = factory.next();
        while (m_reference.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE ||
               m_reference.children_size() != 2 || m_reference.children(0).identity().unborn() ||
               m_reference.children(1).identity().unborn())
            m_reference = factory.next();
        return {{QStringLiteral("people"), m_reference.people_size()},
                {QStringLiteral("children"), m_reference.children_size()}};
    }

    // What the reference record holds at a form row's path, for the record
    // the editor has open: ids (people, children) are matched by position,
    // a child's relationship by its adult, a keyed row ("x@5") by its key.
    // Dates as typed here (dd/MM/yyyy); undefined when nothing is there.
    Q_INVOKABLE QVariant referenceValue(const QString &rowPath) const
    {
        QString path = rowPath;
        static const QRegularExpression rel(
            QStringLiteral("^children\\[(\\d+)\\]\\.relationships\\[(\\d+)\\]\\.(.+)$"));
        if (const auto m = rel.match(path); m.hasMatch()) {
            const QString uiPerson =
                ui::fieldpath::get(m_app->editor.record(),
                                   QStringLiteral("children[%1].relationships[%2].person_id")
                                       .arg(m.captured(1), m.captured(2)))
                    .toString();
            const QString refPerson = toReferenceId(uiPerson);
            const int c = m.captured(1).toInt();
            const v1::ChildObservation &child = m_reference.children(c);
            for (int k = 0; k < child.relationships_size(); ++k)
                if (QString::fromStdString(child.relationships(k).person_id()) == refPerson)
                    return ui::fieldpath::get(m_reference,
                                              QStringLiteral("children[%1].relationships[%2].%3")
                                                  .arg(c)
                                                  .arg(k)
                                                  .arg(m.captured(3)));
            return {};
        }
        if (const qsizetype at = path.lastIndexOf(u'@'); at > 0) {
            const QString list = path.left(at);
            const int key = path.mid(at + 1).toInt();
            const ui::FormField *f =
                ui::RecordForm::keyedField(list.mid(list.lastIndexOf(u'.') + 1));
            if (!f)
                return {};
            const int n = ui::fieldpath::count(m_reference, list);
            for (int k = 0; k < n; ++k)
                if (ui::fieldpath::get(
                        m_reference, QStringLiteral("%1[%2].%3").arg(list).arg(k).arg(f->keyField))
                        .toInt() == key)
                    return ui::fieldpath::get(
                        m_reference,
                        QStringLiteral("%1[%2].%3").arg(list).arg(k).arg(f->valueField));
            return 0;
        }
        QVariant v = ui::fieldpath::get(m_reference, path);
        // An id names a person: the editor's id for the same position.
        const auto toUi = [this](const QString &id) { return toEditorId(id); };
        if (v.typeId() == QMetaType::QStringList) {
            QStringList ids = v.toStringList();
            for (QString &id : ids)
                id = toUi(id);
            v = ids;
        } else if (path.endsWith(QLatin1String("_id")) || path.endsWith(QLatin1String("_ids"))) {
            v = toUi(v.toString());
        }
        static const QRegularExpression iso(QStringLiteral("^(\\d{4})-(\\d{2})-(\\d{2})(.*)$"));
        if (const auto m = iso.match(v.toString());
            m.hasMatch() && v.typeId() == QMetaType::QString)
            v = QStringLiteral("%1/%2/%3%4")
                    .arg(m.captured(3), m.captured(2), m.captured(1), m.captured(4));
        return v;
    }

    // The part (0 victim, 1 suspect) the reference gives the person or
    // child at a row like "people[1].@roles".
    Q_INVOKABLE QVariantList referenceRoles(const QString &rowPath) const
    {
        static const QRegularExpression who(QStringLiteral("^(people|children)\\[(\\d+)\\]"));
        const auto m = who.match(rowPath);
        if (!m.hasMatch())
            return {};
        const int i = m.captured(2).toInt();
        const std::string id = m.captured(1) == QLatin1String("people")
                                   ? m_reference.people(i).person_id()
                                   : m_reference.children(i).child_id();
        QVariantList out;
        const auto has = [&](const auto &ids) {
            return std::find(ids.begin(), ids.end(), id) != ids.end();
        };
        if (has(m_reference.victim_ids()))
            out << 0;
        if (has(m_reference.suspect_ids()))
            out << 1;
        return out;
    }
    // How many entries the open record has in a list ("people").
    Q_INVOKABLE int editorCount(const QString &listPath) const
    {
        return ui::fieldpath::count(m_app->editor.record(), listPath);
    }
    Q_INVOKABLE int referenceCount(const QString &listPath) const
    {
        return ui::fieldpath::count(m_reference, listPath);
    }

    // The form rows the open record's good-practice issues point at: what
    // must still be answered (the tap count's minimal pass answers these).
    Q_INVOKABLE QStringList requiredRows() const
    {
        const ui::FormRows rows(m_app->editor.record(), m_app->session.checklists());
        QStringList out;
        for (const QVariant &v : m_app->editor.issues())
            out << rows.rowPathFor(v.toMap().value(QStringLiteral("path")).toString());
        return out;
    }

    // A complete draft of the current form: a domestic abuse incident with
    // at least two children; returns its id.
    Q_INVOKABLE QString addCompleteDomesticAbuseDraft()
    {
        return addCompleteDraft(v1::INCIDENT_TYPE_DOMESTIC_ABUSE, 2);
    }

    // A complete draft of the current form of an incident type (the
    // IncidentType number) with at least minChildren children.
    Q_INVOKABLE QString addCompleteDraft(int type, int minChildren)
    {
        if (!m_app->session.recordStore())
            return QString(); // locked, or not set up
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(7, m_clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        v1::IncidentRecord r = factory.next();
        for (int tries = 0;
             tries < 1000 && (r.incident().type() != type || r.children_size() < minChildren);
             ++tries)
            r = factory.next();
        if (r.incident().type() != type || r.children_size() < minChildren)
            return QString();
        m_app->session.recordStore()->saveDraft(r);
        return QString::fromStdString(r.record_id());
    }

    // Everything under root a finger can press or type into, in root's
    // coordinates: buttons, switches, boxes, fields, combo boxes and bare
    // mouse areas, visible and enabled. {name, type, x, y, width, height}.
    Q_INVOKABLE QVariantList touchTargets(QQuickItem *root) const
    {
        QVariantList out;
        collectTargets(root, root, out);
        return out;
    }

    // The complete domestic abuse draft, submitted, with the hub's verdict
    // as the store would take it: "acknowledged", "needs_correction" (with
    // the hub's "path: code: message" lines) or "queued" (none yet);
    // "purged": acknowledged, then past retention. Returns its id.
    Q_INVOKABLE QString addSubmitted(const QString &verdict, const QString &reasons = QString())
    {
        const QString id = addCompleteDomesticAbuseDraft();
        store::RecordStore *store = m_app->session.recordStore();
        if (!store->submit(id))
            return QString();
        using Kind = store::OutboxOutcome::Kind;
        if (verdict == QLatin1String("acknowledged") || verdict == QLatin1String("purged"))
            store->applyOutcomes({{id, 1, Kind::Acknowledged, {}}});
        else if (verdict == QLatin1String("needs_correction"))
            store->applyOutcomes({{id, 1, Kind::NeedsCorrection, reasons}});
        if (verdict == QLatin1String("purged") && store->purge(id))
            return QString();
        return id;
    }

    // What an app started from a copy of the store's files as they are now
    // (a power cut or a kill at this instant) finds for the record: the step
    // the officer was on, and the value at a path.
    Q_INVOKABLE QVariantMap afterCrash(const QString &recordId, const QString &path)
    {
        const QString image =
            QDir(m_dir->path()).filePath(QStringLiteral("crash-%1").arg(++m_crashes));
        QDir().mkpath(image);
        for (const QFileInfo &fi : QDir(storeDir()).entryInfoList(QDir::Files))
            QFile::copy(fi.filePath(), QDir(image).filePath(fi.fileName()));
        AppControllers restarted(image, m_clock, FirstRunController::enrolmentCodeCheck(m_clock),
                                 fakePlatform());
        restarted.unlock.unlock(kPassphrase);
        if (!restarted.editor.open(recordId))
            return {{QStringLiteral("found"), false}};
        const QVariantMap result{{QStringLiteral("found"), true},
                                 {QStringLiteral("step"), restarted.editor.stepIndex()},
                                 {QStringLiteral("value"), fieldValue(restarted.editor, path)}};
        restarted.editor.close();
        return result;
    }

private:
    // A reference id -> the editor's id at the same position (people, then
    // children); and back.
    QString toEditorId(const QString &refId) const
    {
        const v1::IncidentRecord &ui = m_app->editor.record();
        for (int k = 0; k < m_reference.people_size() && k < ui.people_size(); ++k)
            if (QString::fromStdString(m_reference.people(k).person_id()) == refId)
                return QString::fromStdString(ui.people(k).person_id());
        for (int k = 0; k < m_reference.children_size() && k < ui.children_size(); ++k)
            if (QString::fromStdString(m_reference.children(k).child_id()) == refId)
                return QString::fromStdString(ui.children(k).child_id());
        return refId;
    }
    QString toReferenceId(const QString &uiId) const
    {
        const v1::IncidentRecord &ui = m_app->editor.record();
        for (int k = 0; k < m_reference.people_size() && k < ui.people_size(); ++k)
            if (QString::fromStdString(ui.people(k).person_id()) == uiId)
                return QString::fromStdString(m_reference.people(k).person_id());
        return uiId;
    }
    v1::IncidentRecord m_reference;

    static QVariant fieldValue(RecordEditor &editor, const QString &path);

    static void collectTargets(QQuickItem *root, QQuickItem *item, QVariantList &out)
    {
        if (!item || !item->isVisible() || !item->isEnabled() || item->opacity() <= 0.0)
            return;
        static const char *const kTypes[] = {
            "QQuickAbstractButton", "QQuickTextInput", "QQuickTextEdit", "QQuickComboBox",
            "QQuickSpinBox",        "QQuickSlider",    "QQuickMouseArea"};
        const char *type = nullptr;
        for (const char *t : kTypes)
            if (item->inherits(t)) {
                type = t;
                break;
            }
        // A read-only text is read, not pressed.
        if (type && (item->inherits("QQuickTextInput") || item->inherits("QQuickTextEdit")) &&
            item->property("readOnly").toBool())
            type = nullptr;
        if (type && item->width() > 0 && item->height() > 0) {
            const QRectF r = item->mapRectToItem(root, QRectF(0, 0, item->width(), item->height()));
            out.append(QVariantMap{{QStringLiteral("name"), item->objectName()},
                                   {QStringLiteral("type"), QString::fromLatin1(type)},
                                   {QStringLiteral("x"), r.x()},
                                   {QStringLiteral("y"), r.y()},
                                   {QStringLiteral("width"), r.width()},
                                   {QStringLiteral("height"), r.height()}});
            // A control's own insides (a combo box's text, a field's
            // editor) are the control, not another target.
            return;
        }
        for (QQuickItem *child : item->childItems())
            collectTargets(root, child, out);
    }
    QString storeDir() const { return QDir(m_dir->path()).filePath(QStringLiteral("store")); }

    std::unique_ptr<QTemporaryDir> m_dir;
    protocol::ManualClock m_clock;
    std::unique_ptr<AppControllers> m_app;
    int m_crashes = 0;
};

#include "fieldpath.h"

QVariant Harness::fieldValue(RecordEditor &editor, const QString &path)
{
    return fieldpath::get(editor.record(), path);
}

class Setup : public QObject
{
    Q_OBJECT

public slots:
    void applicationAvailable() { QQuickStyle::setStyle(QStringLiteral("Material")); }

    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
        m_harness.recreate();
        qmlRegisterSingletonInstance("Safeguard.Testing", 1, 0, "Harness", &m_harness);
    }

private:
    Harness m_harness;
};

QUICK_TEST_MAIN_WITH_SETUP(safeguard_qml, Setup)
#include "tst_qml.moc"
