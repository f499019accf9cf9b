/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide tuning for long-running daemons and benchmarks. */
#ifndef UTIL_TUNE_H
#define UTIL_TUNE_H

/*
 * Keeps freed memory in the allocator instead of handing it back to the
 * kernel after every burst: a daemon that decodes and encodes thousands of
 * messages a second otherwise pays a page fault for each page it touches
 * again. glibc only; a no-op elsewhere.
 */
void util_tune_malloc(void);

#endif /* UTIL_TUNE_H */
