// The C interface of re2.cc, for cgo.

#ifndef SIDEWALL_RE2_H
#define SIDEWALL_RE2_H

#include <stddef.h>
#include <stdint.h>

#define SW_RE2_MAX_SUBMATCH 10

#ifdef __cplusplus
extern "C" {
#endif

void *sw_re2_new(const char *pattern, size_t len, int64_t max_mem, char *err, size_t errlen);
void sw_re2_delete(void *re);
int sw_re2_groups(void *re);
int sw_re2_program_size(void *re);
int sw_re2_match(void *re, const char *text, size_t len);
int sw_re2_match_index(void *re, const char *text, size_t len, int32_t *idx, int n);

#ifdef __cplusplus
}
#endif

#endif
