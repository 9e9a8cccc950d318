// util.cpp — small shared helpers for CPU kernels (error formatting). Not kernels.
#include <stdarg.h>
#include <stdio.h>

#include "kernels.h"

int nt_fail(nt_error* err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, NT_ERR_LEN, fmt, ap);
  va_end(ap);
  return 1;
}
