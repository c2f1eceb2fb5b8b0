/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_time.c: times as the database gives them back, and times written.
 * A time that parses prints back to the same text; any epoch prints.
 */
#include "fuzz_common.h"
#include "timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size);
    apr_int64_t t = 0, t2 = 0;
    clinic_remaining_t rem;

    if (clinic_time_parse_db(in, &t)) {
        const char *db = clinic_time_db(p, t);
        CHECK(db != NULL);
        CHECK(clinic_time_parse_db(db, &t2) && t2 == t);
        CHECK(clinic_time_iso(p, t) != NULL);
    }
    if (size >= 16) {
        apr_int64_t a, b;
        memcpy(&a, data, 8);
        memcpy(&b, data + 8, 8);
        clinic_time_iso(p, a);
        clinic_time_db(p, a);
        clinic_time_remaining(&rem, a, b);
    }
    apr_pool_destroy(p);
    return 0;
}
