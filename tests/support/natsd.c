/* SPDX-License-Identifier: Apache-2.0 */
/* Starting and stopping a loopback nats-server for tests; see natsd.h. */
#include "support/natsd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
natsd_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    if (fd < 0) {
        return -1;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

static int
can_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static int
write_config(struct natsd *d, char *path, size_t len)
{
    FILE *f;

    snprintf(path, len, "%s/server.conf", d->dir);
    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "listen: 127.0.0.1:%d\nserver_name: %s\n", d->port, d->name);
    fprintf(f, "jetstream { store_dir: \"%s/store\" }\n", d->dir);
    if (d->cluster_port > 0) {
        fprintf(f, "cluster { name: fltest\n listen: 127.0.0.1:%d\n"
                   " routes: [%s] }\n", d->cluster_port, d->routes);
    }
    fclose(f);
    return 0;
}

static int start_once(struct natsd *d);

/*
 * Starts the server; when it chose the port itself and the server exits at
 * once (another process took the port between the choice and the bind),
 * it tries again on another port, twice at most.
 */
int
natsd_start(struct natsd *d)
{
    bool chosen = d->port == 0;
    bool named = d->name[0] != '\0';
    int rc = start_once(d);

    for (int i = 0; rc != 0 && chosen && d->pid == 0 && i < 2; i++) {
        fprintf(stderr, "natsd: nats-server did not start on port %d (see "
                        "%s/server.log); trying another port\n",
                d->port, d->dir);
        d->port = 0;
        if (!named) {
            d->name[0] = '\0';
        }
        rc = start_once(d);
    }
    return rc;
}

static int
start_once(struct natsd *d)
{
    const char *bin = getenv("NATS_SERVER");
    char conf[300];
    char log[300];
    struct timespec ts = { 0, 20 * 1000 * 1000 };

    if (bin == NULL || bin[0] == '\0') {
        bin = "nats-server";
    }
    if (d->dir[0] == '\0') {
        snprintf(d->dir, sizeof(d->dir), "/tmp/fl-natsd-XXXXXX");
        if (mkdtemp(d->dir) == NULL) {
            return -1;
        }
    }
    if (d->port == 0) {
        d->port = natsd_free_port();
    }
    if (d->name[0] == '\0') {
        snprintf(d->name, sizeof(d->name), "t%d", d->port);
    }
    snprintf(d->url, sizeof(d->url), "nats://127.0.0.1:%d", d->port);
    if (write_config(d, conf, sizeof(conf)) != 0) {
        return -1;
    }
    snprintf(log, sizeof(log), "%s/server.log", d->dir);
    d->pid = fork();
    if (d->pid < 0) {
        return -1;
    }
    if (d->pid == 0) {
        int in;

        /* A test or benchmark that dies must not leave its server behind. */
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
        in = open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execlp(bin, bin, "-c", conf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        int status;

        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            return -1;
        }
        if (can_connect(d->port)) {
            return 0;
        }
        nanosleep(&ts, NULL);
    }
    return -1;
}

void
natsd_stop(struct natsd *d, int sig)
{
    if (d->pid > 0) {
        kill(d->pid, sig);
        waitpid(d->pid, NULL, 0);
        d->pid = 0;
    }
}

void
natsd_cleanup(struct natsd *d)
{
    char cmd[300];

    natsd_stop(d, SIGTERM);
    if (d->dir[0] != '\0' && strncmp(d->dir, "/tmp/fl-natsd-", 14) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "natsd: could not remove %s\n", d->dir);
        }
    }
}
