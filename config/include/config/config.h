/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's configuration: one YAML file (config/flotilla.yaml documents
 * every key) read with libyaml into a plain struct that the other folders
 * read. Every error names the file, the line and the key, e.g.
 *
 *   flotilla.yaml:12: settings.probePeriod: "10x" is not a duration
 *
 * Unknown keys are errors, never ignored. The `settings` section uses the
 * same keys as a scenario drill's `settings:` block (spec/scenarios.md,
 * "Settings and defaults"), so the drill runner reuses this parser through
 * cfg_settings_from_yaml_node() or cfg_settings_apply().
 *
 * A loaded struct cfg is immutable; any number of threads may read it.
 */
#ifndef CONFIG_CONFIG_H
#define CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

/* Room for a full error message; shorter buffers get a truncated one. */
#define CFG_ERR_MAX 512

/*
 * The timing and pacing keys of spec/scenarios.md "Settings and defaults".
 * Durations are in nanoseconds; the comments give the YAML key and default.
 */
struct cfg_settings {
    int64_t probe_period_ns;       /* probePeriod, 10s */
    int64_t probe_timeout_ns;      /* probeTimeout, 5s; < probePeriod */
    int64_t failure_threshold_ns;  /* failureThreshold, 30s */
    int64_t success_threshold_ns;  /* successThreshold, 30s */
    int64_t heartbeat_period_ns;   /* heartbeatPeriod, 10s */
    int64_t heartbeat_grace_ns;    /* heartbeatGrace, 40s (> heartbeatPeriod) */
    int64_t status_period_ns;      /* statusPeriod, 5s */
    /*
     * evictionRate, "10/s": evictions per second, fleet-wide; always > 0.
     * INFINITY when the file says "unlimited" (pacing off: no token bucket).
     */
    double eviction_rate_per_s;
    uint32_t eviction_burst;       /* evictionBurst, 100 */
    double mass_outage_share;      /* massOutageShare, "55%" -> 0.55 */
    uint32_t mass_outage_min_clusters; /* massOutageMinClusters, 4 */
    int64_t grace_period_ns;       /* gracePeriod, 10m */
    int64_t dead_after_ns;         /* deadAfter, 10m */
};

/*
 * failover.mode, the one failover setting (replaces Karmada's Failover gate,
 * --enable-taint-manager, --enable-no-execute-taint-eviction and the
 * webhook's --allow-no-execute-taint-policy). See docs/config.md.
 */
enum cfg_failover_mode {
    /* Health, conditions and NoSchedule taints only; nothing is evicted. */
    CFG_FAILOVER_DISABLED,
    /* Every failover decision is made and recorded, none is carried out. */
    CFG_FAILOVER_OBSERVE,
    /* NoExecute taints and application failover evict (the default). */
    CFG_FAILOVER_EVICT,
};

struct cfg_failover {
    enum cfg_failover_mode mode;
};

/* TLS files; NULL when not set. Paths are absolute after loading. */
struct cfg_tls {
    char *ca_file;
    char *cert_file;
    char *key_file;
};

struct cfg_nats {
    char **urls;               /* at least one; nats:// or tls:// */
    size_t n_urls;
    char *name;                /* connection name shown by the server */
    char *user;                /* with password; NULL when not set */
    char *password;
    char *nkey_seed_file;      /* NKey seed; excludes user/password */
    struct cfg_tls tls;
    int64_t reconnect_wait_ns; /* reconnectWait, 2s */
    int max_reconnects;        /* maxReconnects, -1 = forever */
};

struct cfg_daemon {
    char *instance;  /* instance id, a NATS-token-safe name; default hostname */
    char *listen;    /* endpoint address "host:port"; port 0 = any free */
    char *log_level; /* error, warn, info or debug */
    char *data_dir;  /* absolute after loading */
};

enum cfg_sync_mode { CFG_SYNC_PUSH, CFG_SYNC_PULL };

/*
 * One member cluster. Credentials never travel on the bus: only these file
 * paths are configured; whoever talks to the member reads the files.
 */
struct cfg_member {
    char *name;          /* DNS label, unique */
    char *api_endpoint;  /* https:// or http:// URL; required for Push */
    enum cfg_sync_mode sync_mode;
    char *token_file;    /* bearer token; NULL when not set */
    char *ca_file;       /* CA bundle for the member's API server */
    char *cert_file;     /* client certificate, with key_file */
    char *key_file;
};

/* The actors flotilla knows, in this order in struct cfg's actors[]. */
#define CFG_ACTOR_COUNT 8

struct cfg_actor {
    const char *name;      /* static, e.g. "taint-manager" */
    bool run;              /* this process runs it (actors.run) */
    uint32_t partitions;   /* key partitions, 1..1024, default 1 */
    uint32_t instances;    /* copies in this process, 1..partitions */
    int64_t ack_wait_ns;   /* ackWait, 30s: redelivery after this */
    int32_t max_deliver;   /* maxDeliver, 5: then dead letter; -1 = never */
};

struct cfg {
    char *source;  /* file path or the name given to cfg_load_string() */
    struct cfg_nats nats;
    struct cfg_daemon daemon;
    struct cfg_settings settings;
    struct cfg_failover failover;
    struct cfg_member *members;
    size_t n_members;
    struct cfg_actor actors[CFG_ACTOR_COUNT];
};

/* Fills @s with the defaults of spec/scenarios.md. */
void cfg_settings_init(struct cfg_settings *s);

/*
 * Sets one settings key from its text, e.g. ("probePeriod", "10s"),
 * ("evictionRate", "10/s"), ("massOutageShare", "55%"). Does not check
 * relations between keys (see cfg_settings_validate()).
 *
 * Returns 0, or -EINVAL with @err holding "settings.KEY: reason" when the
 * key is unknown or the value does not parse or is out of range; @s is
 * unchanged then. @err may be NULL.
 */
int cfg_settings_apply(struct cfg_settings *s, const char *key,
                       const char *value, char *err, size_t errlen);

/*
 * Checks the relations between settings (probeTimeout < probePeriod,
 * heartbeatGrace > heartbeatPeriod, ...). Returns 0 or -EINVAL with
 * "settings.KEY: reason" in @err (may be NULL).
 */
int cfg_settings_validate(const struct cfg_settings *s, char *err,
                          size_t errlen);

/*
 * Applies every key of the mapping @node of @doc onto @s (which the caller
 * initialised, usually with cfg_settings_init()), then validates the result.
 * For a drill's `settings:` block. @file names the source in errors.
 *
 * Returns 0, or -EINVAL with "FILE:LINE: settings.KEY: reason" in @err.
 * On error @s may be partly updated.
 */
int cfg_settings_from_yaml_node(struct cfg_settings *s, yaml_document_t *doc,
                                yaml_node_t *node, const char *file,
                                char *err, size_t errlen);

/*
 * Allocates a configuration holding the built-in defaults (the same values
 * config/flotilla.yaml spells out). Returns 0 or -ENOMEM; the caller frees
 * *out with cfg_free().
 */
int cfg_defaults(struct cfg **out);

/*
 * Reads and validates the YAML file @path. Keys not in the file keep their
 * defaults; relative paths in the file are taken relative to the file's
 * directory; credential and TLS files must exist and be readable.
 *
 * Returns 0 and the configuration in *out (free with cfg_free()), or a
 * negative errno with a message in @err naming file, line and key:
 * -ENOENT / -EACCES (and others from fopen) when @path cannot be read,
 * -EINVAL for a syntax error, an unknown key or a bad value, -ENOMEM.
 * *out is written only on success.
 */
int cfg_load_file(const char *path, struct cfg **out, char *err,
                  size_t errlen);

/*
 * As cfg_load_file() on the text @yaml; @name stands for the file name in
 * errors and relative paths are taken relative to the working directory.
 */
int cfg_load_string(const char *yaml, const char *name, struct cfg **out,
                    char *err, size_t errlen);

/* Frees @c and everything it owns; NULL is fine. */
void cfg_free(struct cfg *c);

/* Returns the entry of actor @name in @c, or NULL when no actor has it. */
const struct cfg_actor *cfg_actor_find(const struct cfg *c, const char *name);

/* Returns "Disabled", "Observe" or "Evict". */
const char *cfg_failover_mode_name(enum cfg_failover_mode mode);

#endif /* CONFIG_CONFIG_H */
