/* SPDX-License-Identifier: Apache-2.0 */
/* Reversible name <-> subject token encoding; see bus/token.h. */
#include "bus/token.h"

#include <errno.h>
#include <string.h>

static const char hex[] = "0123456789ABCDEF";

static int
plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-';
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int
bus_token_encode(const char *name, char *buf, size_t len)
{
    size_t o = 0;

    if (len < 2) {
        if (len > 0) {
            buf[0] = '\0';
        }
        return -ENAMETOOLONG;
    }
    if (name[0] == '\0') {
        buf[0] = '_';
        buf[1] = '\0';
        return 1;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (o + (plain(*p) ? 1 : 3) >= len) {
            buf[0] = '\0';
            return -ENAMETOOLONG;
        }
        if (plain(*p)) {
            buf[o++] = (char)*p;
        } else {
            buf[o++] = '_';
            buf[o++] = hex[*p >> 4];
            buf[o++] = hex[*p & 0xf];
        }
    }
    buf[o] = '\0';
    return (int)o;
}

int
bus_token_decode(const char *token, char *buf, size_t len)
{
    size_t o = 0;

    if (len == 0) {
        return -ENAMETOOLONG;
    }
    buf[0] = '\0';
    if (strcmp(token, "_") == 0) {
        return 0;
    }
    if (token[0] == '\0') {
        return -EINVAL;
    }
    for (const char *p = token; *p; p++) {
        int c = (unsigned char)*p;

        if (c == '_') {
            int hi = hexval(p[1]);
            int lo = hi < 0 ? -1 : hexval(p[2]);

            if (lo < 0) {
                buf[0] = '\0';
                return -EINVAL;
            }
            c = hi << 4 | lo;
            if (plain((unsigned char)c) || c == 0) {
                buf[0] = '\0';
                return -EINVAL;
            }
            p += 2;
        } else if (!plain((unsigned char)c)) {
            buf[0] = '\0';
            return -EINVAL;
        }
        if (o + 1 >= len) {
            buf[0] = '\0';
            return -ENAMETOOLONG;
        }
        buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return (int)o;
}
