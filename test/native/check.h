// check.h — pass/fail counting for the native tests: CHECK(cond, fmt, ...) counts a pass, or prints
// the failure with file:line (the first 60); check_summary() prints the `N passed, N failed` line
// scripts/native-tests.js reads and returns main's exit code.
// Not here: what a test checks (each *-test.cpp), or random inputs.
#pragma once
#include <stdio.h>

static int g_pass = 0, g_fail = 0;

#define CHECK(cond, ...)                                           \
  do {                                                             \
    if (cond) g_pass++;                                            \
    else if (++g_fail <= 60) {                                     \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                  \
      printf(__VA_ARGS__);                                         \
      printf("\n");                                                \
    }                                                              \
  } while (0)

static inline int check_summary() {
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
