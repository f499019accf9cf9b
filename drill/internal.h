/* SPDX-License-Identifier: Apache-2.0 */
/* What the drill loader hands the runner; private to drill/. */
#ifndef DRILL_INTERNAL_H
#define DRILL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <yaml.h>

#include "config/config.h"
#include "drill/drill.h"
#include "member/cluster.h"
#include "model/object.h"

struct drill_cluster {
    const char *name;            /* in the YAML document */
    int line;
    bool pull;
    const char *initial_ready;   /* "True", "False", "Unknown" */
    struct member_config mcfg;   /* name points into the document */
    json_t *object;              /* the Cluster object published at t = 0 */
    yaml_node_t *api_enablements;/* NULL: the member's built-in kinds */
};

enum drill_step_kind {
    DRILL_STEP_FAULT,
    DRILL_STEP_TAINT,
    DRILL_STEP_CONDITION,
    DRILL_STEP_APPLY,
    DRILL_STEP_DELETE,
    DRILL_STEP_RESTART,
    DRILL_STEP_EXPECT,
};

struct drill_step {
    int64_t at_ns;               /* offset from the start */
    int line;
    enum drill_step_kind kind;
    yaml_node_t *body;
    struct model_set objects;    /* apply / delete */
};

struct drill {
    char *path;
    char *dir;
    yaml_document_t doc;
    bool doc_loaded;
    const char *name;
    struct cfg_settings settings;
    struct drill_cluster *clusters;
    size_t nclusters;
    struct model_set objects;
    struct drill_step *steps;
    size_t nsteps;
    char err[DRILL_ERR_MAX];
    drill_decision_fn *tap;      /* drill_set_decision_tap() */
    void *tap_arg;
};

extern const char *const drill_actor_names[];

yaml_node_t *drill_yget(struct drill *d, yaml_node_t *map, const char *key);
const char *drill_ystr(const yaml_node_t *n);
int drill_yline(const yaml_node_t *n);
int drill_fail(struct drill *d, const yaml_node_t *n, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* DRILL_INTERNAL_H */
