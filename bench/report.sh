#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# report.sh RESULTS: the benchmark table from "name rps p99_ms non2xx
# requests httpd_us db_us wrk_us [short]" lines, several rounds of each: the
# median round's figures, each as a ratio to the static file's, and the
# CPU microseconds httpd, MariaDB and wrk spent per request.
exec awk '
    { n = ++count[$1]; rps[$1, n] = $2; p99[$1, n] = $3; bad[$1, n] = $4
      hus[$1, n] = $6; dus[$1, n] = $7; wus[$1, n] = $8
      if ($9 == "short") short[$1] = 1
      if (!($1 in seen)) { seen[$1] = 1; order[++names] = $1 } }
    function median(a, name, k,    i, j, t, v) {
        for (i = 1; i <= k; i++) v[i] = a[name, i] + 0
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
            if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return v[int((k + 1) / 2)]
    }
    END {
        base = median(rps, "static", count["static"])
        bp99 = median(p99, "static", count["static"])
        printf "%-12s %10s %9s %8s %9s %9s %9s %9s\n", "target", "req/s", "p99 ms", "non-2xx",
               "vs static", "httpd us", "db us", "wrk us"
        for (i = 1; i <= names; i++) {
            t = order[i]; k = count[t]
            r = median(rps, t, k); m[t] = r
            printf "%-12s %10.0f %9.2f %8d %9.2f %9s %9s %9s%s\n", t, r, median(p99, t, k),
                   median(bad, t, k), base ? r / base : 0,
                   t == "gateway" ? "-" : median(hus, t, k), t == "gateway" ? "-" : median(dus, t, k),
                   median(wus, t, k),
                   t == "gateway" ? "  (the fake SMS gateway alone)" : short[t] ? "  (ran out of codes: a lower bound)" : ""
        }
        printf "httpd us, db us, wrk us: CPU time (user + system) httpd, MariaDB and wrk spent per request\n"
        printf "summary (median of %d rounds, ratio to static): health %.2f, profile %.2f, packages %.2f, send-otp %.2f, verify-otp %.2f; profile p99 %.1fx static p99\n",
               count["static"], m["health"] / base, m["profile"] / base, m["packages"] / base,
               m["send-otp"] / base, m["verify-otp"] / base,
               bp99 ? median(p99, "profile", count["profile"]) / bp99 : 0
    }' "$1"
