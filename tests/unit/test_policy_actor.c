/* SPDX-License-Identifier: Apache-2.0 */
/* The policy actor on the virtual clock: claims, bindings, clusters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/sim.h"
#include "bus/subject.h"
#include "policy/actor.h"
#include "util/time.h"

#define T0 (1000 * NS_PER_S)

static const char *deployment =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
    "\"metadata\":{\"name\":\"nginx\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"nginx\"}},"
    "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},"
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\","
    "\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}]}}}}";

static const char *policy_by_name =
    "{\"apiVersion\":\"policy.karmada.io/v1alpha1\",\"kind\":\"PropagationPolicy\","
    "\"metadata\":{\"name\":\"nginx-propagation\",\"namespace\":\"default\"},"
    "\"spec\":{\"resourceSelectors\":[{\"apiVersion\":\"apps/v1\","
    "\"kind\":\"Deployment\",\"name\":\"nginx\"}],"
    "\"placement\":{\"clusterAffinity\":{\"clusterNames\":[\"member1\",\"member2\"]},"
    "\"replicaScheduling\":{\"replicaDivisionPreference\":\"Weighted\","
    "\"replicaSchedulingType\":\"Divided\"}}}}";

static const char *policy_match_all =
    "{\"apiVersion\":\"policy.karmada.io/v1alpha1\",\"kind\":\"PropagationPolicy\","
    "\"metadata\":{\"name\":\"everything\",\"namespace\":\"default\"},"
    "\"spec\":{\"resourceSelectors\":[{\"apiVersion\":\"apps/v1\","
    "\"kind\":\"Deployment\"}],"
    "\"placement\":{\"clusterAffinity\":{\"clusterNames\":[\"member3\"]}}}}";

static const char *cluster_obj =
    "{\"apiVersion\":\"cluster.karmada.io/v1alpha1\",\"kind\":\"Cluster\","
    "\"metadata\":{\"name\":\"member1\",\"labels\":{\"env\":\"prod\"}},"
    "\"spec\":{\"apiEndpoint\":\"https://127.0.0.1:6443\",\"syncMode\":\"Push\","
    "\"region\":\"region-one\",\"zone\":\"zone-a\"}}";

static void
apply(struct actor_sim *sim, const char *kind, const char *ns,
      const char *name, const char *json)
{
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    char subject[BUS_SUBJECT_MAX];

    rec.kind = (char *)kind;
    rec.namespace_ = (char *)ns;
    rec.name = (char *)name;
    rec.json.data = (uint8_t *)json;
    rec.json.len = strlen(json);
    bus_subject_build(subject, sizeof(subject), "object", kind, ns, name);
    assert_int_equal(actor_sim_publish(sim, subject, name, "cli/test",
                                       "ObjectRecord", &rec.base), 0);
}

static void
delete(struct actor_sim *sim, const char *kind, const char *ns,
       const char *name)
{
    char subject[BUS_SUBJECT_MAX];

    bus_subject_build(subject, sizeof(subject), "object", kind, ns, name);
    assert_int_equal(actor_sim_delete(sim, subject, name, "cli/test",
                                      "ObjectRecord"), 0);
}

static Flotilla__V1__BindingSpec *
binding(struct actor_sim *sim)
{
    const Flotilla__V1__Envelope *env =
        actor_sim_last(sim, "binding.spec.default.nginx-deployment");

    if (env == NULL || env->deleted) {
        return NULL;
    }
    return flotilla__v1__binding_spec__unpack(NULL, env->payload.len,
                                              env->payload.data);
}

static struct actor_sim *
new_sim(void)
{
    struct actor_sim *sim = NULL;

    assert_int_equal(actor_sim_new(T0, &sim), 0);
    assert_int_equal(actor_sim_add(sim, &policy_actor_core, NULL), 0);
    return sim;
}

static void
policy__claims_template_and_builds_binding(void **state)
{
    struct actor_sim *sim = new_sim();
    Flotilla__V1__BindingSpec *b;

    (void)state;
    apply(sim, "Deployment", "default", "nginx", deployment);
    apply(sim, "PropagationPolicy", "default", "nginx-propagation",
          policy_by_name);
    actor_sim_run_until(sim, T0 + NS_PER_S);

    b = binding(sim);
    assert_non_null(b);
    assert_int_equal(b->replicas, 2);
    assert_string_equal(b->policy_name, "nginx-propagation");
    assert_non_null(b->placement);
    assert_int_equal(b->placement->cluster_affinity->n_cluster_names, 2);
    assert_true(b->generation == 1);
    flotilla__v1__binding_spec__free_unpacked(b, NULL);
    actor_sim_free(sim);
}

static void
policy__template_edit_bumps_generation_once(void **state)
{
    struct actor_sim *sim = new_sim();
    Flotilla__V1__BindingSpec *b;
    char *scaled = strdup(deployment);
    size_t before;

    (void)state;
    apply(sim, "PropagationPolicy", "default", "nginx-propagation",
          policy_by_name);
    apply(sim, "Deployment", "default", "nginx", deployment);
    actor_sim_run_until(sim, T0 + NS_PER_S);
    before = actor_sim_log_len(sim);

    /* The same object again changes nothing... */
    apply(sim, "Deployment", "default", "nginx", deployment);
    actor_sim_run_until(sim, T0 + 2 * NS_PER_S);
    assert_int_equal(actor_sim_log_len(sim), before + 1);

    /* ...a scale does. */
    memcpy(strstr(scaled, "\"replicas\":2"), "\"replicas\":5", 12);
    apply(sim, "Deployment", "default", "nginx", scaled);
    actor_sim_run_until(sim, T0 + 3 * NS_PER_S);
    b = binding(sim);
    assert_int_equal(b->replicas, 5);
    assert_true(b->generation == 2);
    flotilla__v1__binding_spec__free_unpacked(b, NULL);
    free(scaled);
    actor_sim_free(sim);
}

static void
policy__deletion_keeps_binding_and_next_policy_claims(void **state)
{
    struct actor_sim *sim = new_sim();
    Flotilla__V1__BindingSpec *b;

    (void)state;
    apply(sim, "Deployment", "default", "nginx", deployment);
    apply(sim, "PropagationPolicy", "default", "nginx-propagation",
          policy_by_name);
    apply(sim, "PropagationPolicy", "default", "everything", policy_match_all);
    actor_sim_run_until(sim, T0 + NS_PER_S);
    b = binding(sim);
    /* The name match wins over the match-all selector. */
    assert_string_equal(b->policy_name, "nginx-propagation");
    flotilla__v1__binding_spec__free_unpacked(b, NULL);

    delete(sim, "PropagationPolicy", "default", "nginx-propagation");
    actor_sim_run_until(sim, T0 + 2 * NS_PER_S);

    b = binding(sim);
    assert_non_null(b);
    assert_string_equal(b->policy_name, "everything");
    flotilla__v1__binding_spec__free_unpacked(b, NULL);

    delete(sim, "PropagationPolicy", "default", "everything");
    actor_sim_run_until(sim, T0 + 3 * NS_PER_S);
    /* No policy left: nothing is deleted, the binding stays as it was. */
    b = binding(sim);
    assert_non_null(b);
    flotilla__v1__binding_spec__free_unpacked(b, NULL);
    actor_sim_free(sim);
}

static void
policy__template_deletion_withdraws_binding(void **state)
{
    struct actor_sim *sim = new_sim();
    const Flotilla__V1__Envelope *env;

    (void)state;
    apply(sim, "Deployment", "default", "nginx", deployment);
    apply(sim, "PropagationPolicy", "default", "nginx-propagation",
          policy_by_name);
    actor_sim_run_until(sim, T0 + NS_PER_S);

    delete(sim, "Deployment", "default", "nginx");
    actor_sim_run_until(sim, T0 + 2 * NS_PER_S);

    env = actor_sim_last(sim, "binding.spec.default.nginx-deployment");
    assert_non_null(env);
    assert_true(env->deleted);
    actor_sim_free(sim);
}

static void
policy__cluster_object_becomes_cluster_spec(void **state)
{
    struct actor_sim *sim = new_sim();
    const Flotilla__V1__Envelope *env;
    Flotilla__V1__ClusterSpec *c;

    (void)state;
    apply(sim, "Cluster", "", "member1", cluster_obj);
    actor_sim_run_until(sim, T0 + NS_PER_S);

    env = actor_sim_last(sim, "cluster.spec.member1");
    assert_non_null(env);
    c = flotilla__v1__cluster_spec__unpack(NULL, env->payload.len,
                                           env->payload.data);
    assert_string_equal(c->region, "region-one");
    assert_string_equal(c->api_endpoint, "https://127.0.0.1:6443");
    flotilla__v1__cluster_spec__free_unpacked(c, NULL);
    actor_sim_free(sim);
}

static void
policy__restart_publishes_nothing_again(void **state)
{
    struct actor_sim *sim = new_sim();
    size_t before;

    (void)state;
    apply(sim, "Cluster", "", "member1", cluster_obj);
    apply(sim, "Deployment", "default", "nginx", deployment);
    apply(sim, "PropagationPolicy", "default", "nginx-propagation",
          policy_by_name);
    actor_sim_run_until(sim, T0 + NS_PER_S);
    before = actor_sim_log_len(sim);

    assert_int_equal(actor_sim_restart(sim, "policy"), 0);
    actor_sim_run_until(sim, T0 + 2 * NS_PER_S);

    assert_int_equal(actor_sim_log_len(sim), before);
    assert_string_equal(policy_actor_claim(actor_sim_state(sim, "policy"),
                                           "binding.spec.default.nginx-deployment"),
                        "default/nginx-propagation");
    actor_sim_free(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy__claims_template_and_builds_binding),
        cmocka_unit_test(policy__template_edit_bumps_generation_once),
        cmocka_unit_test(policy__deletion_keeps_binding_and_next_policy_claims),
        cmocka_unit_test(policy__template_deletion_withdraws_binding),
        cmocka_unit_test(policy__cluster_object_becomes_cluster_spec),
        cmocka_unit_test(policy__restart_publishes_nothing_again),
    };

    return cmocka_run_group_tests_name("actors.policy", tests, NULL, NULL);
}
