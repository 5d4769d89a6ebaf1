#pragma once

#include "appsession.h"
#include "autolock.h"
#include "firstruncontroller.h"
#include "homecontroller.h"
#include "recordeditor.h"
#include "unlockcontroller.h"

namespace safeguard::ui {

// Every controller the QML screens use, built and wired once for a store
// directory, then handed to QML as singletons. The app's main(), the
// self-test and the QML tests compose the app the same way through this.
class AppControllers
{
public:
    AppControllers(const QString &storeDir, const protocol::Clock &clock,
                   FirstRunController::CodeCheck checkCode);

    // Makes these the instances QML's singletons return. Call before loading QML.
    void registerSingletons();

    AppSession session;
    FirstRunController firstRun;
    UnlockController unlock;
    HomeController home;
    RecordEditor editor;
    AutoLock autoLock;
};

} // namespace safeguard::ui
