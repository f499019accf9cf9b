/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bump allocator behind every decision and decoded document. Memory is
 * handed out from chunks and returned all at once, which keeps a decision to
 * a handful of malloc calls (the core's throughput target depends on it).
 */
#include "sched/core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 16384

struct sched_arena_chunk {
    struct sched_arena_chunk *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

void
sched_arena_init(struct sched_arena *a)
{
    a->head = NULL;
}

void *
sched_arena_alloc(struct sched_arena *a, size_t size)
{
    struct sched_arena_chunk *c = a->head;
    size_t align = sizeof(max_align_t);
    size_t need = (size + align - 1) / align * align;
    void *p;

    if (need == 0) {
        need = align;
    }
    if (c == NULL || c->size - c->used < need) {
        size_t sz = CHUNK_MIN;

        if (c != NULL) {
            sz = c->size < (1u << 24) ? c->size * 2 : c->size;
        }
        if (sz < need) {
            sz = need;
        }
        c = malloc(sizeof(*c) + sz);
        if (c == NULL) {
            return NULL;
        }
        c->size = sz;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    p = (char *)c->data + c->used;
    c->used += need;
    memset(p, 0, size);
    return p;
}

char *
sched_arena_strdup(struct sched_arena *a, const char *s)
{
    size_t n;
    char *p;

    if (s == NULL) {
        return NULL;
    }
    n = strlen(s);
    p = sched_arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n + 1);
    }
    return p;
}

char *
sched_arena_printf(struct sched_arena *a, const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return NULL;
    }
    p = sched_arena_alloc(a, (size_t)n + 1);
    if (p == NULL) {
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t
sched_arena_used(const struct sched_arena *a)
{
    size_t n = 0;

    for (const struct sched_arena_chunk *c = a->head; c != NULL; c = c->next) {
        n += c->used;
    }
    return n;
}

void
sched_arena_reset(struct sched_arena *a)
{
    struct sched_arena_chunk *c = a->head;

    if (c == NULL) {
        return;
    }
    /* Keep the newest (largest) chunk for the next decision. */
    sched_arena_release(&(struct sched_arena){ c->next });
    c->next = NULL;
    c->used = 0;
}

void
sched_arena_release(struct sched_arena *a)
{
    struct sched_arena_chunk *c = a->head;

    while (c != NULL) {
        struct sched_arena_chunk *next = c->next;

        free(c);
        c = next;
    }
    a->head = NULL;
}
