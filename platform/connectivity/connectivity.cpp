#include "connectivity.h"

// The interface's meta-object lives here, once, for every implementation.
