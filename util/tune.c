/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide tuning; see util/tune.h. */
#include "util/tune.h"

#if defined(__GLIBC__)
#include <malloc.h>

void
util_tune_malloc(void)
{
    /* 64 MiB of free memory may stay with the process before it is trimmed,
     * and blocks up to 8 MiB come from the heap rather than fresh mmaps. */
    (void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    (void)mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
}
#else
void
util_tune_malloc(void)
{
}
#endif
