/*
 * SPDX-License-Identifier: Apache-2.0
 * pkgcache.h: the answer of GET /api/packages/available, kept per child
 * process for a moment (CLINIC_PKG_CACHE_SECONDS): the list changes
 * rarely and is asked for by every visitor.  A change shows within that
 * time.  The answer carries a strong ETag, so a client that has it gets
 * 304 Not Modified.
 */
#ifndef CLINIC_PKGCACHE_H
#define CLINIC_PKGCACHE_H

#include "request.h"

#define CLINIC_PKG_CACHE_SECONDS 2

/* Per child: a cache for every server using the clinic */
void clinic_pkgcache_child_init(apr_pool_t *p, server_rec *s);

/* The cached answer (copied into r->pool) and its ETag, or NULL when
 * there is none fresh */
const char *clinic_pkgcache_get(clinic_req_t *cr, const char **etag);
/* Keep text as the answer from now on; its ETag */
const char *clinic_pkgcache_put(clinic_req_t *cr, const char *text);

#endif
