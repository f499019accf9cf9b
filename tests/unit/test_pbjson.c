/* SPDX-License-Identifier: Apache-2.0 */
/* cli/pbjson.c: bus messages as JSON and YAML for `get -o json|yaml`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/subject.h"
#include "cli/pbjson.h"
#include "proto/flotilla.pb-c.h"

static char *
yaml_of(const json_t *v)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    pbjson_print_yaml(f, v);
    fclose(f);
    return text;
}

/* Names in lowerCamelCase, defaults left out, repeated messages, enums by
 * name, and a *_json bytes field embedded as JSON. */
static void
message__names_defaults_repeats_enums_and_json(void **state)
{
    Flotilla__V1__ClusterSpec spec = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    Flotilla__V1__ClusterTaints tt = FLOTILLA__V1__CLUSTER_TAINTS__INIT;
    Flotilla__V1__Taint t1 = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint t2 = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint *taints[] = { &t1, &t2 };
    Flotilla__V1__WorkStatus ws = FLOTILLA__V1__WORK_STATUS__INIT;
    static const char status[] = "{\"readyReplicas\":2}";
    json_t *j;

    (void)state;
    spec.name = "member1";
    spec.api_endpoint = "https://127.0.0.1:6443";
    spec.sync_mode = FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PULL;
    j = pbjson_message(&spec.base);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "member1");
    assert_string_equal(json_string_value(json_object_get(j, "apiEndpoint")),
                        "https://127.0.0.1:6443");
    assert_string_equal(json_string_value(json_object_get(j, "syncMode")),
                        "SYNC_MODE_PULL");
    assert_null(json_object_get(j, "region"));       /* "" is left out */
    json_decref(j);

    t1.key = "cluster.karmada.io/not-ready";
    t1.effect = "NoExecute";
    t1.time_added_ns = 1700000000000000000LL;
    t2.key = "dedicated";
    t2.value = "gpu";
    t2.effect = "NoSchedule";
    tt.cluster = "member1";
    tt.n_taints = 2;
    tt.taints = taints;
    j = pbjson_message(&tt.base);
    assert_int_equal(json_array_size(json_object_get(j, "taints")), 2);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(j, "taints"), 0),
                         "timeAdded" "Ns")),
                     1700000000000000000LL);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "taints"), 1),
                            "value")),
                        "gpu");
    json_decref(j);

    ws.cluster = "member1";
    ws.present = true;
    ws.status_json.data = (uint8_t *)status;
    ws.status_json.len = strlen(status);
    j = pbjson_message(&ws.base);
    assert_true(json_is_true(json_object_get(j, "present")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "statusJson"), "readyReplicas")),
                     2);
    assert_null(json_object_get(j, "readyReplicas"));   /* 0 is left out */
    json_decref(j);
}

/* What does not decode is NULL, not a half object. */
static void
unpack__garbage_is_null(void **state)
{
    static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };

    (void)state;
    assert_null(pbjson_unpack(&flotilla__v1__cluster_taints__descriptor, junk,
                              sizeof(junk)));
}

/* Every message type of the subject catalogue can be shown. */
static void
descriptor__every_catalogue_type_is_known(void **state)
{
    (void)state;
    for (const struct bus_subject_class *c = bus_subject_classes;
         c->pattern != NULL; c++) {
        if (c->message[0] == '(') {
            continue;   /* dead letters keep the original bytes */
        }
        if (pbjson_descriptor(c->message) == NULL) {
            fail_msg("no descriptor for %s (%s)", c->message, c->pattern);
        }
    }
    assert_null(pbjson_descriptor("NoSuchMessage"));
}

/* An envelope: its fields, the payload decoded under "message"; a payload
 * that does not decode is said so; bytes that are no envelope are NULL. */
static void
envelope__payload_decoded_by_type(void **state)
{
    Flotilla__V1__Envelope env = FLOTILLA__V1__ENVELOPE__INIT;
    Flotilla__V1__WorkStatus ws = FLOTILLA__V1__WORK_STATUS__INIT;
    static const uint8_t junk[] = { 0xff, 0xff, 0xff };
    uint8_t payload[256], packed[512];
    size_t n;
    json_t *j;

    (void)state;
    ws.cluster = "member1";
    ws.ready_replicas = 3;
    env.key = "member1/ns/web-deployment";
    env.producer = "member-agent/t";
    env.type = "WorkStatus";
    env.payload.data = payload;
    env.payload.len = flotilla__v1__work_status__pack(&ws, payload);
    n = flotilla__v1__envelope__pack(&env, packed);
    j = pbjson_envelope(packed, n);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "producer")),
                        "member-agent/t");
    assert_null(json_object_get(j, "payload"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "message"), "readyReplicas")),
                     3);
    json_decref(j);

    env.payload.data = (uint8_t *)junk;
    env.payload.len = sizeof(junk);
    n = flotilla__v1__envelope__pack(&env, packed);
    j = pbjson_envelope(packed, n);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(j, "message"), "error")),
                        "payload does not decode");
    json_decref(j);
    assert_null(pbjson_envelope(junk, sizeof(junk)));
}

/* Block YAML: nested maps and lists, a map in a list starting on the dash's
 * line, empty containers inline, strings plain only when they read back
 * the same. */
static void
yaml__block_style_and_quoting(void **state)
{
    json_t *v = json_pack(
        "{s:s, s:[{s:s, s:[s, s]}, [i]], s:{}, s:[], s:s, s:s, s:s, s:s, "
        "s:s, s:b}",
        "kind", "List", "items", "name", "web", "clusters", "member1", "m2",
        7, "empty", "none", "key", "a: b", "word", "yes", "num", "123",
        "image", "registry.example/web:1.0", "colon", "a:", "flag", 1);
    char *y = yaml_of(v);

    (void)state;
    assert_string_equal(y,
                        "kind: List\n"
                        "items:\n"
                        "- name: web\n"
                        "  clusters:\n"
                        "  - member1\n"
                        "  - m2\n"
                        "-\n"
                        "  - 7\n"
                        "empty: {}\n"
                        "none: []\n"
                        "key: \"a: b\"\n"
                        "word: \"yes\"\n"
                        "num: \"123\"\n"
                        "image: registry.example/web:1.0\n"
                        "colon: \"a:\"\n"
                        "flag: true\n");
    free(y);
    json_decref(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(message__names_defaults_repeats_enums_and_json),
        cmocka_unit_test(unpack__garbage_is_null),
        cmocka_unit_test(descriptor__every_catalogue_type_is_known),
        cmocka_unit_test(envelope__payload_decoded_by_type),
        cmocka_unit_test(yaml__block_style_and_quoting),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
