/* SPDX-License-Identifier: Apache-2.0 */
/* Aligned tables for the CLI. */
#ifndef CLI_TABLE_H
#define CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_COLS 12

struct table {
    char *head[TABLE_COLS];
    size_t ncols;
    char ***rows;       /* rows[i][c], copies */
    size_t nrows, cap;
};

void table_init(struct table *t);
void table_release(struct table *t);

/* Column names, NULL-terminated (a NULL ends the list early). */
void table_header(struct table *t, ...);

/* One row of strings, NULL-terminated; missing cells print as "". */
void table_row(struct table *t, ...);

/* Prints the columns aligned, kubectl-style (three spaces apart). */
void table_print(const struct table *t, FILE *f);

#endif /* CLI_TABLE_H */
