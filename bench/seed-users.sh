#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seed-users.sh COUNT FIRST [nopackage]: SQL on stdout that adds COUNT
# users (numbers +9656 from FIRST on), each with an active 30-day
# subscription of the seed package unless "nopackage", 1,000 rows to an
# INSERT; "id<TAB>phone" lines on stderr, for tokens.
now=$(date -u '+%Y-%m-%d %H:%M:%S')
until=$(date -u -d '+29 days' '+%Y-%m-%d %H:%M:%S')
exec awk -v n="$1" -v first="$2" -v nopkg="${3:-}" -v now="$now" -v until="$until" 'BEGIN {
    for (i = 0; i < n; i += 1000) {
        u = "INSERT INTO users (id, phone_number, name, national_id, is_active, created_at, updated_at) VALUES "
        s = "INSERT INTO user_packages (id, user_id, package_id, purchased_at, expires_at, payment_status, active_user_id, created_at, amount, currency) VALUES "
        for (j = i; j < i + 1000 && j < n; j++) {
            k = first + j
            id = sprintf("%08x-be0c-4000-8000-%012x", k, k)
            phone = sprintf("+9656%07d", k)
            u = u (j > i ? "," : "") sprintf("(\x27%s\x27,\x27%s\x27,\x27Patient %d\x27,\x27%012d\x27,1,\x27%s\x27,\x27%s\x27)", id, phone, k, k, now, now)
            s = s (j > i ? "," : "") sprintf("(\x27%08x-be0c-4000-9000-%012x\x27,\x27%s\x27,\x275f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10\x27,\x27%s\x27,\x27%s\x27,\x27completed\x27,\x27%s\x27,\x27%s\x27,\x2725.000\x27,\x27KWD\x27)", k, k, id, now, until, id, now)
            printf "%s\t%s\n", id, phone > "/dev/stderr"
        }
        print u ";"
        if (nopkg == "") print s ";"
    }
}'
