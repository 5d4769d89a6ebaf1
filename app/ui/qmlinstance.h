#pragma once

#include <QJSEngine>

namespace safeguard::ui {

// The instance a QML singleton wrapper (qmltypes.h) returns: set by the
// composition root (AppControllers::registerSingletons) before QML is loaded,
// owned by C++.
template<typename T> struct QmlInstance
{
    inline static T *instance = nullptr;
    static T *get()
    {
        Q_ASSERT_X(instance, "QmlInstance", "set the instance before loading QML");
        QJSEngine::setObjectOwnership(instance, QJSEngine::CppOwnership);
        return instance;
    }
};

template<typename T> void setQmlInstance(T *instance)
{
    QmlInstance<T>::instance = instance;
}

} // namespace safeguard::ui
