/*
 * SPDX-License-Identifier: Apache-2.0
 * msgcat.h: the Arabic of every `message` the API answers (pure).
 *
 * The module writes its messages in English where it answers; the
 * envelope's writer asks here for the negotiated language's text.  An
 * entry's English may hold one "%s" (a request id, a size, a list of
 * methods): an English message matches it around the "%s", and what
 * stood there goes into the Arabic at its own "%s".  A message the
 * catalogue lacks stays English (tests/unit/test_msgcat.c fails the build
 * when a message of the module's sources has no entry).
 */
#ifndef CLINIC_MSGCAT_H
#define CLINIC_MSGCAT_H

#include <apr_pools.h>

#include "lang.h"

/* The message in lang: en itself in English, its Arabic when the
 * catalogue has one, else NULL (the caller keeps the English).  The
 * result lives on p, or is a constant. */
const char *clinic_msg_in(apr_pool_t *p, const char *en, clinic_lang_t lang);

/* A success envelope's text (`{"success":true,...,"message":"..."}`, as
 * clinic_envelope_ok prints it, the message last) with its message in
 * lang; the text itself when it is in English, or when its message has
 * no translation or is not of that form (*translated then 0). */
const char *clinic_msg_envelope(apr_pool_t *p, const char *text,
                                clinic_lang_t lang, int *translated);

/* The catalogue's entries, for its tests: the number, and the English
 * and Arabic of entry i (NULL past the end) */
apr_size_t clinic_msg_count(void);
const char *clinic_msg_english(apr_size_t i);
const char *clinic_msg_arabic(apr_size_t i);

#endif
