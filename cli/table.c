/* SPDX-License-Identifier: Apache-2.0 */
/* Aligned tables for the CLI; see table.h. */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


void
table_init(struct table *t)
{
    memset(t, 0, sizeof(*t));
}

void
table_release(struct table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        free(t->head[c]);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            free(t->rows[r][c]);
        }
        free(t->rows[r]);
    }
    free(t->rows);
    memset(t, 0, sizeof(*t));
}

void
table_header(struct table *t, ...)
{
    va_list ap;
    const char *s;

    va_start(ap, t);
    while (t->ncols < TABLE_COLS && (s = va_arg(ap, const char *)) != NULL) {
        t->head[t->ncols++] = strdup(s);
    }
    va_end(ap);
}

void
table_row(struct table *t, ...)
{
    char **row;
    va_list ap;
    const char *s;
    size_t c = 0;

    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char ***n = realloc(t->rows, cap * sizeof(*n));

        if (n == NULL) {
            return;
        }
        t->rows = n;
        t->cap = cap;
    }
    row = calloc(TABLE_COLS, sizeof(*row));
    if (row == NULL) {
        return;
    }
    va_start(ap, t);
    while (c < t->ncols && (s = va_arg(ap, const char *)) != NULL) {
        row[c++] = strdup(s);
    }
    va_end(ap);
    t->rows[t->nrows++] = row;
}

void
table_print(const struct table *t, FILE *f)
{
    size_t w[TABLE_COLS] = { 0 };

    if (t->nrows == 0) {
        fprintf(f, "No resources found.\n");
        return;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = strlen(t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t l = t->rows[r][c] ? strlen(t->rows[r][c]) : 0;

            w[c] = l > w[c] ? l : w[c];
        }
    }
    for (size_t c = 0; c < t->ncols; c++) {
        fprintf(f, "%-*s%s", c + 1 < t->ncols ? (int)w[c] : 0, t->head[c],
                c + 1 < t->ncols ? "   " : "\n");
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->rows[r][c] ? t->rows[r][c] : "";

            fprintf(f, "%-*s%s", c + 1 < t->ncols ? (int)w[c] : 0, v,
                    c + 1 < t->ncols ? "   " : "\n");
        }
    }
}

