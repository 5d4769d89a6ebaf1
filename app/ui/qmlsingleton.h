#pragma once

#include <QJSEngine>
#include <QQmlEngine>

// Objects built in main() (the composition root) reach QML as singletons:
// the class is declared QML_NAMED_ELEMENT(...) QML_SINGLETON and this gives
// it the create() QML calls, returning the instance main() set and keeping
// C++ ownership. No setContextProperty, so qmllint sees every type.
#define SAFEGUARD_QML_SINGLETON_INSTANCE(Type)                                                     \
public:                                                                                            \
    static Type *create(QQmlEngine *, QJSEngine *)                                                 \
    {                                                                                              \
        Q_ASSERT_X(s_qmlInstance, #Type, "set the instance before loading QML");                   \
        QJSEngine::setObjectOwnership(s_qmlInstance, QJSEngine::CppOwnership);                     \
        return s_qmlInstance;                                                                      \
    }                                                                                              \
    static void setQmlInstance(Type *instance)                                                     \
    {                                                                                              \
        s_qmlInstance = instance;                                                                  \
    }                                                                                              \
                                                                                                   \
private:                                                                                           \
    inline static Type *s_qmlInstance = nullptr;
