/* SPDX-License-Identifier: Apache-2.0 */
/* Line-at-a-time key=value logger; see util/log.h. */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

int util_log_threshold = LOG_LEVEL_INFO;
static FILE *log_stream;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
util_log_write(enum log_level level, const char *module, const char *msg,
               const char *kv_fmt, ...)
{
    FILE *f = log_stream != NULL ? log_stream : stderr;
    struct timespec ts;
    struct tm tm;
    char stamp[32];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

    flockfile(f);
    fprintf(f, "ts=%s.%03ldZ level=%s mod=%s msg=\"%s\"", stamp,
            ts.tv_nsec / 1000000, level_names[level], module, msg);
    if (kv_fmt != NULL && kv_fmt[0] != '\0') {
        fputc(' ', f);
        va_start(ap, kv_fmt);
        vfprintf(f, kv_fmt, ap);
        va_end(ap);
    }
    fputc('\n', f);
    fflush(f);
    funlockfile(f);
}

int
util_log_set_level(const char *name)
{
    if (strcmp(name, "off") == 0) {
        util_log_threshold = -1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            util_log_threshold = (int)i;
            return 0;
        }
    }
    return -EINVAL;
}

void
util_log_set_stream(FILE *f)
{
    log_stream = f;
}
