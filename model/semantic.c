/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation beyond field types: the rules of Karmada's admission webhooks
 * (policy.md §4.13) and of Cluster validation (§7.1, scenario 64), checked
 * on the node tree so errors keep their line.
 */
#include "semantic.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct model_node *
at(const struct model_node *n, const char *a, const char *b, const char *c)
{
    n = model_node_get(n, a);
    if (b != NULL) {
        n = model_node_get(n, b);
    }
    if (c != NULL) {
        n = model_node_get(n, c);
    }
    return n;
}

static bool
nonempty(const struct model_node *n)
{
    return n != NULL && n->type == MODEL_NODE_SCALAR &&
           n->scalar_kind == MODEL_SCALAR_STRING && n->len > 0;
}

static int
bad(const struct model_node *n, int doc, const char *path, const char *msg,
    struct model_error *err)
{
    model_error_set(err, doc, n->line, n->column, path, "%s", msg);
    return -EINVAL;
}

static int
check_selectors(const struct model_node *spec, const char *ns, bool need_name,
                int doc, struct model_error *err)
{
    const struct model_node *sels = model_node_get(spec, "resourceSelectors");
    char path[128];

    for (size_t i = 0; sels != NULL && i < sels->n; i++) {
        const struct model_node *s = sels->items[i];
        const struct model_node *sns = model_node_get(s, "namespace");

        if (need_name && !nonempty(model_node_get(s, "name"))) {
            snprintf(path, sizeof(path), "spec.resourceSelectors[%zu].name",
                     i);
            return bad(s, doc, path,
                       "preemption: Always requires a name in every "
                       "resource selector",
                       err);
        }
        if (ns != NULL && nonempty(sns) && strcmp(sns->value, ns) != 0) {
            snprintf(path, sizeof(path),
                     "spec.resourceSelectors[%zu].namespace", i);
            return bad(sns, doc, path,
                       "must be empty or the policy's own namespace", err);
        }
    }
    return 0;
}

static int
check_propagation_policy(const struct model_node *root, const char *ns,
                         int doc, struct model_error *err)
{
    const struct model_node *spec = model_node_get(root, "spec");
    const struct model_node *pre = model_node_get(spec, "preemption");
    const struct model_node *pl = model_node_get(spec, "placement");
    const struct model_node *app = at(spec, "failover", "application", NULL);
    const struct model_node *deps = model_node_get(spec, "propagateDeps");
    const struct model_node *susp = model_node_get(spec, "suspension");
    const struct model_node *names = at(susp, "dispatchingOnClusters",
                                        "clusterNames", NULL);
    bool always = pre != NULL && pre->type == MODEL_NODE_SCALAR &&
                  strcmp(pre->value, "Always") == 0;
    int rc;

    rc = check_selectors(spec, ns, always, doc, err);
    if (rc != 0) {
        return rc;
    }
    if (model_node_get(pl, "clusterAffinity") != NULL &&
        model_node_get(pl, "clusterAffinities") != NULL) {
        return bad(model_node_get(pl, "clusterAffinities"), doc,
                   "spec.placement.clusterAffinities",
                   "clusterAffinity and clusterAffinities are exclusive",
                   err);
    }
    if (app != NULL && app->type == MODEL_NODE_MAP &&
        !(deps != NULL && deps->scalar_kind == MODEL_SCALAR_BOOL &&
          (deps->value[0] == 't' || deps->value[0] == 'T'))) {
        return bad(app, doc, "spec.failover.application",
                   "application failover requires spec.propagateDeps: true",
                   err);
    }
    if (names != NULL && names->type == MODEL_NODE_SEQ && names->n > 0 &&
        model_node_get(susp, "dispatching") != NULL &&
        model_node_get(susp, "dispatching")->value != NULL &&
        strcmp(model_node_get(susp, "dispatching")->value, "true") == 0) {
        return bad(names, doc,
                   "spec.suspension.dispatchingOnClusters.clusterNames",
                   "dispatching: true cannot be combined with clusterNames",
                   err);
    }
    return 0;
}

/* DNS-1123 label (lower-case alphanumerics and '-'), at most @max. */
static bool
is_dns_label(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max || !isalnum((unsigned char)s[0]) ||
        !isalnum((unsigned char)s[n - 1])) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
              *p == '-')) {
            return false;
        }
    }
    return true;
}

/* Kubernetes label value: empty, or up to 63 of [A-Za-z0-9-_.] edged by
 * alphanumerics. */
static bool
is_label_value(const char *s)
{
    size_t n = strlen(s);

    if (n == 0) {
        return true;
    }
    if (n > 63 || !isalnum((unsigned char)s[0]) ||
        !isalnum((unsigned char)s[n - 1])) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr("-_.", *p) == NULL) {
            return false;
        }
    }
    return true;
}

/* scheme://host[...] without user info, query or fragment. */
static bool
is_url(const char *s, const char *const *schemes)
{
    const char *sep = strstr(s, "://");
    const char *host;
    bool scheme_ok = schemes == NULL;

    if (sep == NULL || sep == s) {
        return false;
    }
    for (const char *const *sc = schemes; sc != NULL && *sc != NULL; sc++) {
        scheme_ok = scheme_ok || ((size_t)(sep - s) == strlen(*sc) &&
                                  strncmp(s, *sc, strlen(*sc)) == 0);
    }
    host = sep + 3;
    return scheme_ok && host[0] != '\0' && host[0] != '/' &&
           strpbrk(host, "@?# ") == NULL;
}

static int
check_cluster(const struct model_node *root, int doc, struct model_error *err)
{
    static const char *const proxy_schemes[] = { "http", "https", "socks5",
                                                 NULL };
    static const char *const fields[] = { "provider", "region", "zone",
                                          NULL };
    const struct model_node *name = at(root, "metadata", "name", NULL);
    const struct model_node *spec = model_node_get(root, "spec");
    const struct model_node *ep = model_node_get(spec, "apiEndpoint");
    const struct model_node *proxy = model_node_get(spec, "proxyURL");
    const struct model_node *zones = model_node_get(spec, "zones");

    if (!is_dns_label(name->value, 48)) {
        return bad(name, doc, "metadata.name",
                   "a Cluster name is a DNS-1123 label of at most 48 "
                   "characters",
                   err);
    }
    if (nonempty(ep) && !is_url(ep->value, NULL)) {
        return bad(ep, doc, "spec.apiEndpoint",
                   "must be a URL with a host and no user info, query or "
                   "fragment",
                   err);
    }
    if (nonempty(proxy) && !is_url(proxy->value, proxy_schemes)) {
        return bad(proxy, doc, "spec.proxyURL",
                   "must be an http, https or socks5 URL", err);
    }
    for (const char *const *f = fields; *f != NULL; f++) {
        const struct model_node *v = model_node_get(spec, *f);
        char path[64];

        snprintf(path, sizeof(path), "spec.%s", *f);
        if (nonempty(v) && !is_label_value(v->value)) {
            return bad(v, doc, path, "must be a valid label value", err);
        }
    }
    for (size_t i = 0; zones != NULL && zones->type == MODEL_NODE_SEQ &&
                       i < zones->n;
         i++) {
        if (zones->items[i]->value != NULL &&
            !is_label_value(zones->items[i]->value)) {
            return bad(zones->items[i], doc, "spec.zones",
                       "must be valid label values", err);
        }
    }
    if (nonempty(model_node_get(spec, "zone")) && zones != NULL &&
        zones->type == MODEL_NODE_SEQ && zones->n > 0) {
        return bad(zones, doc, "spec.zones",
                   "zone and zones cannot both be set", err);
    }
    return 0;
}

int
semantic_check(const struct model_node *root, enum model_class cls, int doc,
               struct model_error *err)
{
    const char *ns = NULL;
    const struct model_node *nsn = at(root, "metadata", "namespace", NULL);

    if (nonempty(nsn)) {
        ns = nsn->value;
    }
    switch (cls) {
    case MODEL_CLASS_PROPAGATION_POLICY:
        return check_propagation_policy(root, ns != NULL ? ns : "default",
                                        doc, err);
    case MODEL_CLASS_CLUSTER_PROPAGATION_POLICY:
        return check_propagation_policy(root, NULL, doc, err);
    case MODEL_CLASS_OVERRIDE_POLICY:
        return check_selectors(model_node_get(root, "spec"),
                               ns != NULL ? ns : "default", false, doc, err);
    case MODEL_CLASS_CLUSTER:
        return check_cluster(root, doc, err);
    default:
        return 0;
    }
}
