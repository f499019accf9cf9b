/* SPDX-License-Identifier: Apache-2.0 */
/* Bus messages as JSON and YAML; see pbjson.h. */
#include "pbjson.h"

#include "proto/flotilla.pb-c.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* snake_case -> lowerCamelCase */
static void
camel(const char *name, char *buf, size_t len)
{
    size_t o = 0;
    bool up = false;

    for (const char *p = name; *p != '\0' && o + 1 < len; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        buf[o++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    buf[o] = '\0';
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* One value of field @f at @p; NULL for a default (left out). */
static json_t *
scalar(const ProtobufCFieldDescriptor *f, const void *p, bool keep_default)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: {
        int32_t v = *(const int32_t *)p;

        return v != 0 || keep_default ? json_integer(v) : NULL;
    }
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: {
        uint32_t v = *(const uint32_t *)p;

        return v != 0 || keep_default ? json_integer(v) : NULL;
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: {
        int64_t v = *(const int64_t *)p;

        return v != 0 || keep_default ? json_integer((json_int_t)v) : NULL;
    }
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;

        return v != 0 || keep_default ? json_integer((json_int_t)v) : NULL;
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        float v = *(const float *)p;

        return v != 0 || keep_default ? json_real(v) : NULL;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *)p;

        return v != 0 || keep_default ? json_real(v) : NULL;
    }
    case PROTOBUF_C_TYPE_BOOL: {
        protobuf_c_boolean v = *(const protobuf_c_boolean *)p;

        return v || keep_default ? json_boolean(v) : NULL;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, v);

        if (v == 0 && !keep_default) {
            return NULL;
        }
        return ev != NULL ? json_string(ev->name) : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *v = *(const char *const *)p;

        return v != NULL && (v[0] != '\0' || keep_default) ? json_string(v)
                                                           : NULL;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        json_t *j;

        if (b->len == 0 && !keep_default) {
            return NULL;
        }
        if (ends_with(f->name, "_json")) {
            j = json_loadb((const char *)b->data, b->len, JSON_DECODE_ANY,
                           NULL);
            if (j != NULL) {
                return j;
            }
        }
        return json_pack("{s:I}", "bytes", (json_int_t)b->len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;

        return m != NULL ? pbjson_message(m) : NULL;
    }
    }
    return NULL;
}

static size_t
type_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* A proto3 map<K, V> field: repeated entries of a nested *Entry message
 * with the fields key and value. */
static bool
is_map(const ProtobufCFieldDescriptor *f)
{
    const ProtobufCMessageDescriptor *d = f->descriptor;

    return f->type == PROTOBUF_C_TYPE_MESSAGE && d != NULL &&
           d->n_fields == 2 && ends_with(d->name, "Entry") &&
           strcmp(d->fields[0].name, "key") == 0 &&
           strcmp(d->fields[1].name, "value") == 0;
}

/* The entries of a map field as one object, keyed by their key's text. */
static json_t *
map_object(const ProtobufCMessage *const *entries, size_t n)
{
    json_t *obj = json_object();

    for (size_t i = 0; obj != NULL && i < n; i++) {
        json_t *e = pbjson_message(entries[i]);
        json_t *k = json_object_get(e, "key");
        json_t *val = json_object_get(e, "value");
        char *ktext = json_is_string(k) ? NULL : json_dumps(k, JSON_ENCODE_ANY);

        json_object_set(obj,
                        json_is_string(k) ? json_string_value(k)
                        : ktext != NULL   ? ktext
                                          : "",
                        val != NULL ? val : json_null());
        free(ktext);
        json_decref(e);
    }
    return obj;
}

json_t *
pbjson_message(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d;
    json_t *obj;

    if (m == NULL) {
        return json_null();
    }
    d = m->descriptor;
    obj = json_object();
    for (unsigned i = 0; obj != NULL && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m;
        const void *p = base + f->offset;
        char name[128];
        json_t *v = NULL;

        camel(f->name, name, sizeof(name));
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);

            if (which == f->id) {
                v = scalar(f, p, true);
            }
        } else if (f->label == PROTOBUF_C_LABEL_REPEATED && is_map(f)) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const ProtobufCMessage *const *arr =
                *(const ProtobufCMessage *const *const *)p;

            if (n > 0 && arr != NULL) {
                v = map_object(arr, n);
            }
        } else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)p;

            if (n > 0 && arr != NULL) {
                v = json_array();
                for (size_t k = 0; v != NULL && k < n; k++) {
                    json_t *x = scalar(f, arr + k * type_size(f->type), true);

                    json_array_append_new(v, x != NULL ? x : json_null());
                }
            }
        } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
                   f->quantifier_offset != 0 &&
                   f->type != PROTOBUF_C_TYPE_MESSAGE &&
                   f->type != PROTOBUF_C_TYPE_STRING) {
            if (*(const protobuf_c_boolean *)(base + f->quantifier_offset)) {
                v = scalar(f, p, true);
            }
        } else {
            v = scalar(f, p, false);
        }
        if (v != NULL) {
            json_object_set_new(obj, name, v);
        }
    }
    return obj;
}

json_t *
pbjson_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
              size_t len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, data);
    json_t *j;

    if (m == NULL) {
        return NULL;
    }
    j = pbjson_message(m);
    protobuf_c_message_free_unpacked(m, NULL);
    return j;
}

/* What an envelope may carry (bus/subject.c's catalogue). */
static const ProtobufCMessageDescriptor *const payloads[] = {
    &flotilla__v1__object_record__descriptor,
    &flotilla__v1__cluster_spec__descriptor,
    &flotilla__v1__cluster_status__descriptor,
    &flotilla__v1__cluster_taints__descriptor,
    &flotilla__v1__binding_spec__descriptor,
    &flotilla__v1__schedule_decision__descriptor,
    &flotilla__v1__work_spec__descriptor,
    &flotilla__v1__work_status__descriptor,
    &flotilla__v1__probe_result__descriptor,
    &flotilla__v1__eviction_request__descriptor,
    &flotilla__v1__eviction_release__descriptor,
    &flotilla__v1__taint_request__descriptor,
    &flotilla__v1__heartbeat__descriptor,
    &flotilla__v1__failover_event__descriptor,
    &flotilla__v1__decision_event__descriptor,
    NULL,
};

const ProtobufCMessageDescriptor *
pbjson_descriptor(const char *type)
{
    for (size_t i = 0; type != NULL && payloads[i] != NULL; i++) {
        if (strcmp(payloads[i]->short_name, type) == 0) {
            return payloads[i];
        }
    }
    return NULL;
}

json_t *
pbjson_envelope(const void *data, size_t len)
{
    Flotilla__V1__Envelope *env = flotilla__v1__envelope__unpack(NULL, len,
                                                                data);
    const ProtobufCMessageDescriptor *d;
    json_t *j;

    if (env == NULL) {
        return NULL;
    }
    j = pbjson_message(&env->base);
    json_object_del(j, "payload");
    d = pbjson_descriptor(env->type);
    if (j != NULL && d != NULL && env->payload.len > 0) {
        json_t *m = pbjson_unpack(d, env->payload.data, env->payload.len);

        json_object_set_new(j, "message",
                            m != NULL ? m
                                      : json_pack("{s:s}", "error",
                                                  "payload does not decode"));
    }
    flotilla__v1__envelope__free_unpacked(env, NULL);
    return j;
}

static void
indent(FILE *f, int n)
{
    fprintf(f, "%*s", n, "");
}

/* True when @s reads back as the same string without quotes. */
static bool
plain_safe(const char *s)
{
    static const char *const words[] = { "true", "false", "null", "yes", "no",
                                         "on", "off", "y", "n", NULL };

    if (!isalpha((unsigned char)s[0]) && s[0] != '_' && s[0] != '/') {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        /* no spaces at all, so ": " and " #" cannot occur; a final ':'
         * would read as a key */
        if ((!isalnum((unsigned char)*p) && strchr("_./-:@+=", *p) == NULL) ||
            (*p == ':' && p[1] == '\0')) {
            return false;
        }
    }
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strcasecmp(s, words[i]) == 0) {
            return false;
        }
    }
    return true;
}

/* A scalar on the rest of the current line: plain when that is safe, else
 * JSON's form, which is valid YAML. */
static void
yaml_scalar(FILE *f, const json_t *v)
{
    char *s;

    if (json_is_string(v) && plain_safe(json_string_value(v))) {
        fputs(json_string_value(v), f);
        return;
    }
    s = json_dumps(v, JSON_ENCODE_ANY);

    fputs(s != NULL ? s : "null", f);
    free(s);
}

static bool
nonempty(const json_t *v)
{
    return (json_is_object(v) && json_object_size(v) > 0) ||
           (json_is_array(v) && json_array_size(v) > 0);
}

static void yaml_seq(FILE *f, const json_t *v, int level);

/* @inline_first: the first key goes on the current line (after "- "). */
static void
yaml_map(FILE *f, const json_t *v, int level, bool inline_first)
{
    const char *k;
    json_t *x;
    bool first = true;

    json_object_foreach((json_t *)v, k, x) {
        json_t *key = json_string(k);

        if (!(first && inline_first)) {
            indent(f, level);
        }
        first = false;
        yaml_scalar(f, key);
        json_decref(key);
        fputc(':', f);
        if (json_is_object(x) && nonempty(x)) {
            fputc('\n', f);
            yaml_map(f, x, level + 2, false);
        } else if (json_is_array(x) && nonempty(x)) {
            fputc('\n', f);
            yaml_seq(f, x, level);
        } else {
            fputc(' ', f);
            yaml_scalar(f, x);
            fputc('\n', f);
        }
    }
}

static void
yaml_seq(FILE *f, const json_t *v, int level)
{
    size_t i;
    json_t *x;

    json_array_foreach(v, i, x) {
        indent(f, level);
        if (json_is_array(x) && nonempty(x)) {
            fputs("-\n", f);
            yaml_seq(f, x, level + 2);
            continue;
        }
        fputs("- ", f);
        if (json_is_object(x) && nonempty(x)) {
            yaml_map(f, x, level + 2, true);
        } else {
            yaml_scalar(f, x);
            fputc('\n', f);
        }
    }
}

void
pbjson_print_yaml(FILE *f, const json_t *v)
{
    if (json_is_object(v) && nonempty(v)) {
        yaml_map(f, v, 0, false);
    } else if (json_is_array(v) && nonempty(v)) {
        yaml_seq(f, v, 0);
    } else {
        yaml_scalar(f, v);
        fputc('\n', f);
    }
}
