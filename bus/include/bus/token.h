/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one canonical, reversible encoding of a name into a NATS subject token.
 *
 * Kubernetes names may hold '.', and other strings (labels, free text) may
 * hold anything; a NATS token may hold none of '.', '*', '>', white space.
 * Bytes in [A-Za-z0-9-] pass through; every other byte becomes "_XX" (two
 * upper-case hex digits), so "app.v1" is "app_2Ev1". The empty string is the
 * token "_" (used for the namespace of cluster-scoped bindings), which no
 * other input can produce because an escape is always three characters.
 */
#ifndef BUS_TOKEN_H
#define BUS_TOKEN_H

#include <stddef.h>

/* A token is at most 3 bytes per input byte, plus the NUL. */
#define BUS_TOKEN_MAX(n) (3 * (n) + 2)

/*
 * Encodes @name into @buf. Returns the token length, or -ENAMETOOLONG when
 * @buf (of @len bytes) is too small; @buf then holds "".
 */
int bus_token_encode(const char *name, char *buf, size_t len);

/*
 * Decodes @token into @buf. Returns the name length, -EINVAL when @token is
 * not a valid encoding (a bad escape, a byte that should have been escaped,
 * an escape of a byte that needs none), or -ENAMETOOLONG. On error @buf is "".
 */
int bus_token_decode(const char *token, char *buf, size_t len);

#endif /* BUS_TOKEN_H */
