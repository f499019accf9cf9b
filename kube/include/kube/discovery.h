/* SPDX-License-Identifier: Apache-2.0 */
/*
 * API discovery of a member: GET /api, /apis and each group version's
 * resource list, giving the API enablements the cluster-status actor
 * publishes ([{groupVersion, kinds[]}]) and the plurals and scopes path
 * building may need for kinds outside the built-in table.
 */
#ifndef KUBE_DISCOVERY_H
#define KUBE_DISCOVERY_H

#include "kube/client.h"
#include "proto/flotilla.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

struct kube_api_resource {
    char *plural; /* "deployments" */
    char *kind;   /* "Deployment" */
    bool namespaced;
};

struct kube_group_version {
    char *group_version; /* "v1", "apps/v1" */
    /* top-level resources (no subresources), in the server's order */
    struct kube_api_resource *resources;
    size_t n_resources;
};

struct kube_discovery {
    struct kube_group_version *gvs;
    size_t n_gvs;
    /*
     * false when some group version's resource list could not be read (it
     * is then absent from gvs); the enablements are partial
     */
    bool complete;
    /* the first failure when !complete, one line */
    char incomplete_reason[1024];
};

/*
 * Reads the member's discovery documents. /api and /apis must answer (else
 * the call fails); a group version whose resource list fails or is
 * malformed is left out and makes the result incomplete.
 *
 * Returns 0 and *out (free with kube_discovery_free()), -EBADMSG when /api
 * or /apis is malformed, or a request error.
 */
int kube_discover(struct kube_client *c, struct kube_discovery **out,
                  struct kube_error *err);

/* Frees @d; NULL is fine. */
void kube_discovery_free(struct kube_discovery *d);

/*
 * The resource of @kind in @api_version, or NULL. The result is owned by
 * @d; its plural and scope fill a struct kube_ref.
 */
const struct kube_api_resource *
kube_discovery_find(const struct kube_discovery *d, const char *api_version,
                    const char *kind);

/*
 * Converts @d into API enablements (one per group version, its distinct
 * kinds). Returns 0 with a malloc'ed array of *n_out pointers in *out (free
 * with kube_discovery_enablements_free()), or -ENOMEM.
 */
int kube_discovery_enablements(const struct kube_discovery *d,
                               Flotilla__V1__APIEnablement ***out,
                               size_t *n_out);

/* Frees what kube_discovery_enablements() made; NULL is fine. */
void kube_discovery_enablements_free(Flotilla__V1__APIEnablement **e,
                                     size_t n);

#endif /* KUBE_DISCOVERY_H */
