/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for util/http: the endpoint server on a free loopback port, asked
 * with libcurl; /metrics is checked with a small parser of the Prometheus
 * text format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/http.h"
#include "util/metrics.h"

struct fixture {
    struct util_metrics *reg;
    struct util_http *http;
};

struct reply {
    long status;
    char body[65536];
    size_t len;
    char type[128];
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t len = size * n;

    if (r->len + len >= sizeof(r->body)) {
        return 0;
    }
    memcpy(r->body + r->len, data, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

/* Asks @method @path of the fixture's server; returns the curl result. */
static CURLcode
ask(struct fixture *f, const char *method, const char *path, struct reply *r)
{
    char url[128];
    char *type = NULL;
    CURLcode rc;
    CURL *curl;

    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s",
             (unsigned)util_http_port(f->http), path);
    curl = curl_easy_init();
    assert_non_null(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "x=1");
    }
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK &&
        type != NULL) {
        snprintf(r->type, sizeof(r->type), "%s", type);
    }
    curl_easy_cleanup(curl);
    return rc;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || util_metrics_new(&f->reg) != 0 ||
        util_http_start("127.0.0.1:0", f->reg, &f->http) != 0) {
        if (f != NULL) {
            util_metrics_free(f->reg);
        }
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    util_http_stop(f->http);
    util_metrics_free(f->reg);
    free(f);
    return 0;
}

/* ---- a small parser of the text format ---------------------------------- */

struct sample {
    char name[128];
    char labels[8][2][128]; /* name, unescaped value */
    int n_labels;
    double value;
};

static bool
name_char(char ch, bool first, bool colon)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '_' || (colon && ch == ':') ||
           (!first && ch >= '0' && ch <= '9');
}

/* Parses one sample line; returns false on any syntax error. */
static bool
parse_sample(const char *line, struct sample *s)
{
    const char *p = line;
    char *end;
    size_t n = 0;

    memset(s, 0, sizeof(*s));
    while (name_char(*p, n == 0, true) && n < sizeof(s->name) - 1) {
        s->name[n++] = *p++;
    }
    if (n == 0) {
        return false;
    }
    if (*p == '{') {
        p++;
        while (*p != '}') {
            size_t k = 0, v = 0;

            if (s->n_labels == 8) {
                return false;
            }
            while (name_char(*p, k == 0, false) && k < 127) {
                s->labels[s->n_labels][0][k++] = *p++;
            }
            if (k == 0 || p[0] != '=' || p[1] != '"') {
                return false;
            }
            p += 2;
            while (*p != '"') {
                char ch = *p++;

                if (ch == '\0' || ch == '\n' || v == 127) {
                    return false;
                }
                if (ch == '\\') {
                    ch = *p++;
                    if (ch == 'n') {
                        ch = '\n';
                    } else if (ch != '\\' && ch != '"') {
                        return false;
                    }
                }
                s->labels[s->n_labels][1][v++] = ch;
            }
            p++;
            s->n_labels++;
            if (*p == ',') {
                p++;
            } else if (*p != '}') {
                return false;
            }
        }
        p++;
    }
    if (*p != ' ') {
        return false;
    }
    p++;
    if (strcmp(p, "+Inf") == 0 || strcmp(p, "-Inf") == 0 ||
        strcmp(p, "NaN") == 0) {
        return true;
    }
    s->value = strtod(p, &end);
    return end != p && *end == '\0';
}

/*
 * Checks every line of @text: "# HELP name ...", "# TYPE name kind" with
 * kind known, or a sample whose family was typed before it. Returns the
 * number of samples, or -1 with the bad line in @bad.
 */
static int
parse_exposition(const char *text, struct sample *out, int max, char *bad,
                 size_t badlen)
{
    char typed[32][128];
    int n_typed = 0, n = 0;
    const char *p = text;

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        char line[1024];
        size_t len;

        if (nl == NULL || (size_t)(nl - p) >= sizeof(line)) {
            snprintf(bad, badlen, "unterminated or long line: %.60s", p);
            return -1;
        }
        len = (size_t)(nl - p);
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl + 1;
        if (strncmp(line, "# HELP ", 7) == 0) {
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            char name[128], kind[32];

            if (sscanf(line + 7, "%127s %31s", name, kind) != 2 ||
                (strcmp(kind, "counter") != 0 && strcmp(kind, "gauge") != 0 &&
                 strcmp(kind, "histogram") != 0) ||
                n_typed == 32) {
                snprintf(bad, badlen, "%.200s", line);
                return -1;
            }
            snprintf(typed[n_typed++], sizeof(typed[0]), "%s", name);
            continue;
        }
        if (n == max || !parse_sample(line, &out[n])) {
            snprintf(bad, badlen, "%.200s", line);
            return -1;
        }
        {
            bool found = false;

            for (int i = 0; i < n_typed && !found; i++) {
                size_t tl = strlen(typed[i]);

                found = strncmp(out[n].name, typed[i], tl) == 0 &&
                        (out[n].name[tl] == '\0' ||
                         strcmp(out[n].name + tl, "_bucket") == 0 ||
                         strcmp(out[n].name + tl, "_sum") == 0 ||
                         strcmp(out[n].name + tl, "_count") == 0);
            }
            if (!found) {
                snprintf(bad, badlen, "no TYPE before: %.200s", line);
                return -1;
            }
        }
        n++;
    }
    return n;
}

/* ---- tests -------------------------------------------------------------- */

static void
parse_listen__accepts_ip_literals_and_port_zero(void **state)
{
    char host[64];
    uint16_t port = 1;

    (void)state;

    assert_int_equal(util_http_parse_listen("127.0.0.1:0", host, sizeof(host),
                                            &port, NULL, 0),
                     0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 0);
    assert_int_equal(util_http_parse_listen("[::1]:9470", host, sizeof(host),
                                            &port, NULL, 0),
                     0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 9470);
    assert_int_equal(util_http_parse_listen("localhost:80", host,
                                            sizeof(host), &port, NULL, 0),
                     0);
    assert_string_equal(host, "127.0.0.1");
}

static void
parse_listen__rejects_bad_addresses_with_reason(void **state)
{
    static const struct {
        const char *in;
        const char *why;
    } cases[] = {
        { "", "empty address" },
        { "9470", "expected host:port, e.g. 127.0.0.1:9470" },
        { "127.0.0.1:", "expected host:port, e.g. 127.0.0.1:9470" },
        { ":9470", "a host is required (127.0.0.1 for loopback, 0.0.0.0 for "
                   "every interface)" },
        { "host.example:1", "\"host.example\" is not an IP address" },
        { "127.0.0.1:65536", "\"65536\" is not a port (0..65535)" },
        { "127.0.0.1:-1", "\"-1\" is not a port (0..65535)" },
        { "127.0.0.1:8x", "\"8x\" is not a port (0..65535)" },
        { "[::1:80", "expected host:port, e.g. 127.0.0.1:9470" },
    };
    char host[64], why[128];
    uint16_t port;

    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = util_http_parse_listen(cases[i].in, host, sizeof(host),
                                        &port, why, sizeof(why));

        assert_int_equal(rc, -EINVAL);
        assert_string_equal(why, cases[i].why);
    }
}

static void
start__reports_bound_port_and_refuses_a_taken_one(void **state)
{
    struct fixture *f = *state;
    struct util_http *second = (struct util_http *)0x1;
    char listen[32];
    int rc;

    snprintf(listen, sizeof(listen), "127.0.0.1:%u",
             (unsigned)util_http_port(f->http));

    rc = util_http_start(listen, NULL, &second);

    assert_true(util_http_port(f->http) > 0);
    assert_int_equal(rc, -EADDRINUSE);
    assert_ptr_equal(second, (struct util_http *)0x1);
    assert_int_equal(util_http_start("nowhere", NULL, &second), -EINVAL);
}

static void
healthz__answers_ok_until_marked_unhealthy(void **state)
{
    struct fixture *f = *state;
    struct reply r;

    assert_int_equal(ask(f, "GET", "/healthz", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
    assert_string_equal(r.type, "text/plain; charset=utf-8");

    util_http_set_healthy(f->http, false, "consumer loop stuck");
    assert_int_equal(ask(f, "GET", "/healthz", &r), CURLE_OK);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "unhealthy: consumer loop stuck\n");
}

static void
readyz__is_503_with_reason_until_ready(void **state)
{
    struct fixture *f = *state;
    struct reply r;

    assert_int_equal(ask(f, "GET", "/readyz", &r), CURLE_OK);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "not ready: starting\n");

    util_http_set_ready(f->http, false, "rebuilding state from cluster.status");
    assert_int_equal(ask(f, "GET", "/readyz", &r), CURLE_OK);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body,
                        "not ready: rebuilding state from cluster.status\n");

    util_http_set_ready(f->http, true, NULL);
    assert_int_equal(ask(f, "GET", "/readyz", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
}

static void
metrics__serves_parseable_text_with_escaped_labels(void **state)
{
    struct fixture *f = *state;
    struct util_metric *c = NULL, *lag = NULL, *h = NULL;
    struct sample s[64];
    char bad[256] = "";
    struct reply r;
    int n, found = 0;

    assert_int_equal(util_metrics_counter(f->reg, &c, "fl_dead_letters_total",
                                          "Undecodable inputs.", "actor",
                                          "policy", "reason",
                                          "bad \"proto\"\\\nline", NULL),
                     0);
    assert_int_equal(util_metrics_gauge(f->reg, &lag, "fl_consumer_lag",
                                        "Pending messages.", "actor",
                                        "scheduler", "consumer", "s-0", NULL),
                     0);
    assert_int_equal(util_metrics_histogram(f->reg, &h, "fl_handle_seconds",
                                            "Handling time.", NULL, 0,
                                            "actor", "scheduler", NULL),
                     0);
    util_metrics_add(c, 2);
    util_metrics_set(lag, 17);
    util_metrics_observe(h, 0.02);

    assert_int_equal(ask(f, "GET", "/metrics", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.type, "text/plain; version=0.0.4; charset=utf-8");

    n = parse_exposition(r.body, s, 64, bad, sizeof(bad));
    if (n < 0) {
        print_error("bad line: %s\n", bad);
    }
    assert_true(n == 1 + 1 + 15 + 2);
    for (int i = 0; i < n; i++) {
        if (strcmp(s[i].name, "fl_dead_letters_total") == 0) {
            assert_int_equal(s[i].n_labels, 2);
            assert_string_equal(s[i].labels[1][0], "reason");
            assert_string_equal(s[i].labels[1][1], "bad \"proto\"\\\nline");
            assert_true(s[i].value == 2);
            found++;
        } else if (strcmp(s[i].name, "fl_consumer_lag") == 0) {
            assert_string_equal(s[i].labels[1][1], "s-0");
            assert_true(s[i].value == 17);
            found++;
        } else if (strcmp(s[i].name, "fl_handle_seconds_count") == 0) {
            assert_true(s[i].value == 1);
            found++;
        }
    }
    assert_int_equal(found, 3);
}

static void
server__answers_404_405_and_head(void **state)
{
    struct fixture *f = *state;
    struct reply r;

    assert_int_equal(ask(f, "GET", "/nope", &r), CURLE_OK);
    assert_int_equal(r.status, 404);
    assert_int_equal(ask(f, "POST", "/metrics", &r), CURLE_OK);
    assert_int_equal(r.status, 405);
    assert_int_equal(ask(f, "HEAD", "/healthz", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
}

static void
start__without_registry_serves_empty_metrics(void **state)
{
    struct fixture g = { 0 };
    struct reply r;

    (void)state;
    assert_int_equal(util_http_start("127.0.0.1:0",
                                     NULL, &g.http),
                     0);

    assert_int_equal(ask(&g, "GET", "/metrics", &r), CURLE_OK);

    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    util_http_stop(g.http);
}

static void
stop__releases_the_port(void **state)
{
    struct util_http *h = NULL;
    char listen[32];
    uint16_t port;

    (void)state;
    assert_int_equal(util_http_start("127.0.0.1:0", NULL, &h), 0);
    port = util_http_port(h);
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", (unsigned)port);

    util_http_stop(h);
    h = NULL;

    assert_int_equal(util_http_start(listen, NULL, &h), 0);
    assert_int_equal(util_http_port(h), port);
    util_http_stop(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_listen__accepts_ip_literals_and_port_zero),
        cmocka_unit_test(parse_listen__rejects_bad_addresses_with_reason),
        cmocka_unit_test_setup_teardown(
            start__reports_bound_port_and_refuses_a_taken_one, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            healthz__answers_ok_until_marked_unhealthy, setup, teardown),
        cmocka_unit_test_setup_teardown(
            readyz__is_503_with_reason_until_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(
            metrics__serves_parseable_text_with_escaped_labels, setup,
            teardown),
        cmocka_unit_test_setup_teardown(server__answers_404_405_and_head,
                                        setup, teardown),
        cmocka_unit_test(start__without_registry_serves_empty_metrics),
        cmocka_unit_test(stop__releases_the_port),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests_name("util.http", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
