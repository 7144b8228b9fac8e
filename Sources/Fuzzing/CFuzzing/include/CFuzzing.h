#ifndef C_FUZZING_H
#define C_FUZZING_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for a program that has its own main (libclang_rt.fuzzer_no_main):
/// parses libFuzzer's flags from argv and calls `callback` with each input it makes.
/// Only the fuzzing build (make fuzz) links it; the replay build never calls it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
