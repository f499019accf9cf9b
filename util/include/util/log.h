/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one logger: one line per event, key=value fields, a fixed lowercase
 * message. The level is compared before any formatting, so a disabled
 * debug line costs one comparison.
 *
 *   ts=2026-12-04T15:31:23.315Z level=warn mod=bus msg="publish failed" subject=...
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* The most verbose level written; -1 writes nothing ("off"). */
extern int util_log_threshold;

/*
 * Writes one line to the log stream (stderr unless util_log_set_stream()
 * said otherwise). @kv_fmt formats the key=value fields after msg=; it may
 * be "" for none. Thread-safe: each line is written whole.
 */
void util_log_write(enum log_level level, const char *module, const char *msg,
                    const char *kv_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the threshold from "off", "error", "warn", "info" or "debug"; -EINVAL else. */
int util_log_set_level(const char *name);

/* Sends log lines to @f (not owned); NULL restores stderr. */
void util_log_set_stream(FILE *f);

#ifndef LOG_MODULE
#define LOG_MODULE "flotilla"
#endif

#define FL_LOG(level, msg, ...)                                                \
    do {                                                                       \
        if ((int)(level) <= util_log_threshold) {                              \
            util_log_write((level), LOG_MODULE, (msg), __VA_ARGS__);           \
        }                                                                      \
    } while (0)

#define log_error(msg, ...) FL_LOG(LOG_LEVEL_ERROR, msg, __VA_ARGS__)
#define log_warn(msg, ...)  FL_LOG(LOG_LEVEL_WARN, msg, __VA_ARGS__)
#define log_info(msg, ...)  FL_LOG(LOG_LEVEL_INFO, msg, __VA_ARGS__)
#define log_debug(msg, ...) FL_LOG(LOG_LEVEL_DEBUG, msg, __VA_ARGS__)

#endif /* UTIL_LOG_H */
