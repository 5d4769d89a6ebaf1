#pragma once

#include "appsession.h"
#include "autolock.h"
#include "firstruncontroller.h"
#include "homecontroller.h"
#include "recordeditor.h"
#include "unlockcontroller.h"

#include <QJSEngine>
#include <QQmlEngine>

// Objects built in main() (the composition root) reach QML as singletons:
// each wrapper names a type, and create() hands QML the instance main() set,
// keeping C++ ownership. No setContextProperty, so qmllint sees every type.
namespace safeguard::ui {

template<typename T>
struct SingletonInstance
{
    inline static T *instance = nullptr;
    static T *create(QQmlEngine *, QJSEngine *)
    {
        Q_ASSERT_X(instance, "QML singleton", "main() must set the instance before loading QML");
        QJSEngine::setObjectOwnership(instance, QJSEngine::CppOwnership);
        return instance;
    }
};

struct SessionSingleton : SingletonInstance<AppSession>
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::AppSession)
    QML_NAMED_ELEMENT(Session)
    QML_SINGLETON
};

struct FirstRunSingleton : SingletonInstance<FirstRunController>
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::FirstRunController)
    QML_NAMED_ELEMENT(FirstRun)
    QML_SINGLETON
};

struct UnlockSingleton : SingletonInstance<UnlockController>
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::UnlockController)
    QML_NAMED_ELEMENT(Unlock)
    QML_SINGLETON
};

struct HomeSingleton : SingletonInstance<HomeController>
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::HomeController)
    QML_NAMED_ELEMENT(Home)
    QML_SINGLETON
};

struct EditorSingleton : SingletonInstance<RecordEditor>
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::RecordEditor)
    QML_NAMED_ELEMENT(Editor)
    QML_SINGLETON
};

struct AutoLockSingleton : SingletonInstance<AutoLock>
{
    Q_GADGET
    QML_FOREIGN(safeguard::ui::AutoLock)
    QML_NAMED_ELEMENT(Locker)
    QML_SINGLETON
};

} // namespace safeguard::ui
