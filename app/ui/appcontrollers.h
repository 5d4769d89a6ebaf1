#pragma once

#include "appsession.h"
#include "autolock.h"
#include "client/syncengine.h"
#include "connectivity/connectivity.h"
#include "firstruncontroller.h"
#include "homecontroller.h"
#include "keystore/credentialstore.h"
#include "recordeditor.h"
#include "store/storerecordsource.h"
#include "synccontroller.h"
#include "unlockcontroller.h"

namespace safeguard::ui {

// Every controller the QML screens use, built and wired once for a store
// directory, then handed to QML as singletons. The app's main(), the
// self-test and the QML tests compose the app the same way through this.
class AppControllers
{
public:
    // What the platform provides: where the device credential is kept and
    // how connectivity is known (tests pass fakes; none means "unknown").
    struct Platform
    {
        std::unique_ptr<platform::CredentialStore> credentials;
        std::unique_ptr<platform::Connectivity> connectivity;
        syncclient::NetworkAccessFactory networkAccess; // empty: the default
    };

    AppControllers(const QString &storeDir, const protocol::Clock &clock,
                   FirstRunController::CodeCheck checkCode, Platform platform);

    // Makes these the instances QML's singletons return. Call before loading QML.
    void registerSingletons();

    Platform platform;
    AppSession session;
    // The engine's view of the store, while the session is unlocked.
    std::unique_ptr<store::StoreRecordSource> recordSource;
    syncclient::SyncEngine sync;
    FirstRunController firstRun;
    UnlockController unlock;
    HomeController home;
    SyncController syncPage;
    RecordEditor editor;
    AutoLock autoLock;
};

} // namespace safeguard::ui
