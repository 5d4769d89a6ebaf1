#pragma once

#include "appsession.h"
#include "autolock.h"
#include "childrenmodel.h"
#include "firstruncontroller.h"
#include "formmodel.h"
#include "homecontroller.h"
#include "qmlinstance.h"
#include "recordeditor.h"
#include "recordform.h"
#include "recordlistmodel.h"
#include "synccontroller.h"
#include "unlockcontroller.h"

#include <QJSEngine>
#include <QQmlEngine>
#include <QtQml/qqmlregistration.h>

// Everything QML can see of the app, in one place: the QML module
// Safeguard.Ui (target safeguard_ui_qml) is this file, and the classes it
// names live in the plain library safeguard_ui, which carries no QML macro
// (Itinerary's qmlregistrationhelper.h). Objects built in main() (the
// composition root) reach QML as singletons: each wrapper names a controller
// with QML_FOREIGN, and its create() returns the instance
// AppControllers::registerSingletons() set, keeping C++ ownership. The models
// and the enum holders are uncreatable: C++ owns them. qmllint sees every
// type (no setContextProperty).
// A record's status, as the store and the hub's statistics know it:
// RecordStatus.Draft, RecordStatus.NeedsCorrection... (the roles of
// RecordListModel say what a tap may do with it).
namespace RecordStatusForeign {
Q_NAMESPACE
QML_FOREIGN_NAMESPACE(safeguard::protocol)
QML_NAMED_ELEMENT(RecordStatus)
} // namespace RecordStatusForeign

namespace safeguard::ui {

struct SessionSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::AppSession)
    QML_NAMED_ELEMENT(Session)
    QML_SINGLETON
public:
    static AppSession *create(QQmlEngine *, QJSEngine *) { return QmlInstance<AppSession>::get(); }
};

struct LockerSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::AutoLock)
    QML_NAMED_ELEMENT(Locker)
    QML_SINGLETON
public:
    static AutoLock *create(QQmlEngine *, QJSEngine *) { return QmlInstance<AutoLock>::get(); }
};

struct FirstRunSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::FirstRunController)
    QML_NAMED_ELEMENT(FirstRun)
    QML_SINGLETON
public:
    static FirstRunController *create(QQmlEngine *, QJSEngine *)
    {
        return QmlInstance<FirstRunController>::get();
    }
};

struct SyncSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::SyncController)
    QML_NAMED_ELEMENT(Sync)
    QML_SINGLETON
public:
    static SyncController *create(QQmlEngine *, QJSEngine *)
    {
        return QmlInstance<SyncController>::get();
    }
};

struct HomeSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::HomeController)
    QML_NAMED_ELEMENT(Home)
    QML_SINGLETON
public:
    static HomeController *create(QQmlEngine *, QJSEngine *)
    {
        return QmlInstance<HomeController>::get();
    }
};

struct EditorSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::RecordEditor)
    QML_NAMED_ELEMENT(Editor)
    QML_SINGLETON
public:
    static RecordEditor *create(QQmlEngine *, QJSEngine *)
    {
        return QmlInstance<RecordEditor>::get();
    }
};

struct UnlockSingleton
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::UnlockController)
    QML_NAMED_ELEMENT(Unlock)
    QML_SINGLETON
public:
    static UnlockController *create(QQmlEngine *, QJSEngine *)
    {
        return QmlInstance<UnlockController>::get();
    }
};

// Owned by the controllers; QML reads them.
struct FormModelType
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::FormModel)
    QML_NAMED_ELEMENT(FormModel)
    QML_UNCREATABLE("Owned by RecordEditor")
};

struct ChildrenModelType
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::ChildrenModel)
    QML_NAMED_ELEMENT(ChildrenModel)
    QML_UNCREATABLE("Owned by RecordEditor")
};

struct RecordListModelType
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::RecordListModel)
    QML_NAMED_ELEMENT(RecordListModel)
    QML_UNCREATABLE("Owned by HomeController")
};

// StepKind.Form, StepKind.Children, StepKind.Review: what a step shows.
struct StepKindType
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::StepKindHolder)
    QML_NAMED_ELEMENT(StepKind)
    QML_UNCREATABLE("An enum")
};

// FieldKind.Text, FieldKind.Choice...: how a form row is edited.
struct FieldKindType
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::FieldKindHolder)
    QML_NAMED_ELEMENT(FieldKind)
    QML_UNCREATABLE("An enum holder")
};

} // namespace safeguard::ui
