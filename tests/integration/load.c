/*
 * SPDX-License-Identifier: Apache-2.0
 * load.c: what the integration tests use to put a server under load:
 * threads in parallel or in the background, a client that goes quiet
 * after its first bytes, and the timing of the limits' windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "client.h"

typedef struct {
    void (*fn)(void *arg, int i);
    void *arg;
    int i;
} job_t;

static void *job_run(void *p)
{
    job_t *j = p;
    j->fn(j->arg, j->i);
    return NULL;
}

struct jobs {
    int n;
    pthread_t *t;
    job_t *jobs;
};

jobs_t *spawn(int n, void (*fn)(void *arg, int i), void *arg)
{
    jobs_t *j = calloc(1, sizeof(*j));
    int i;

    j->n = n;
    j->t = calloc((size_t)n, sizeof(*j->t));
    j->jobs = calloc((size_t)n, sizeof(*j->jobs));
    for (i = 0; i < n; i++) {
        j->jobs[i].fn = fn;
        j->jobs[i].arg = arg;
        j->jobs[i].i = i;
        cr_assert_eq(pthread_create(&j->t[i], NULL, job_run, &j->jobs[i]), 0);
    }
    return j;
}

void join(jobs_t *j)
{
    int i;

    for (i = 0; i < j->n; i++) {
        pthread_join(j->t[i], NULL);
    }
    free(j->t);
    free(j->jobs);
    free(j);
}

void parallel(int n, void (*fn)(void *arg, int i), void *arg)
{
    join(spawn(n, fn, arg));
}

int open_trickle(const char *base, const char *head)
{
    struct sockaddr_in a;
    int port = 0, fd;
    size_t n = strlen(head);

    cr_assert(sscanf(base, "http://127.0.0.1:%d", &port) == 1, "%s", base);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(write(fd, head, n), (ssize_t)n);
    return fd;
}

void window_room(int seconds)
{
    long left = 60 - (long)(time(NULL) % 60);

    if (left < seconds) {
        sleep((unsigned)left + 1);
    }
}

