// The module only declares libFuzzer's driver (include/CFuzzing.h); this file gives SwiftPM
// a source to build the target from.
#include "CFuzzing.h"
