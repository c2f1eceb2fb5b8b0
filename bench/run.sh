#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: mod_clinic against a static file served by the same httpd,
# measured in one run with wrk on loopback.  A private MariaDB, the fake
# SMS gateway, 5,000 users with an active package; limits at their
# defaults, clients spread over addresses with X-Forwarded-For.
#
#   bench/run.sh            BENCH_SECONDS (5) per measurement,
#                           BENCH_ROUNDS (3) rounds, BENCH_CONNECTIONS (64)
#   BENCH_TARGETS="static send-otp"   only these targets (default: all)
#   BENCH_MODULE=path       another build of the module (before/after)
#   BENCH_DBD="min keep max"   DBDMin, DBDKeep, DBDMax of the vhost (for
#                           BENCH_GRACEFUL, those of conf/clinic-vhost.conf)
#   BENCH_GRACEFUL=1        (make bench-graceful) max latency of the module
#                           against the static file while the server makes
#                           a graceful restart every 3 s
#
# Every measurement is bounded (wrk -d), everything started here is stopped
# by its pid on exit.  Nothing is asserted: the figures are for comparing
# builds on one machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
conns=${BENCH_CONNECTIONS:-64}
users=${BENCH_USERS:-5000}
LOG_TAG=bench

work=$(mktemp -d /tmp/clinic-bench.XXXXXX)
chmod 755 "$work"
pids=()
. "$top/tests/lib.sh"

cleanup() {
    local rc=$?
    stop_pidfile "$work/run/httpd.pid"
    stop_pidfile "$work/mysql/sock/mysqld.pid"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    [ "${BENCH_KEEP:-0}" = 1 ] && log "kept $work" || rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
make -C "$top" -s all build/fake_sms >/dev/null

# --- the database: schema, the package, users with an active package -----
mariadb_start "$work/mysql"
DB_PASS=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
"${MYSQL[@]}" <<SQL
CREATE DATABASE clinic CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'clinic'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT SELECT, INSERT, UPDATE, DELETE ON clinic.* TO 'clinic'@'127.0.0.1';
SQL
"$top/build/clinicctl" --schema-dir "$top/schema" --driver mysql \
    --params "sock=$work/mysql/sock/mysqld.sock user=root dbname=clinic" migrate >/dev/null
"${MYSQL[@]}" clinic < "$top/schema/seed.sql"
"$top/bench/seed-users.sh" "$users" 0 > "$work/users.sql" 2> "$work/users.tsv"
"${MYSQL[@]}" clinic < "$work/users.sql"
log "MariaDB on 127.0.0.1:$PORT_DB, $users users with an active package"

# --- the fake SMS gateway, httpd ------------------------------------------
mkdir -p "$work/run/www"
"$top/build/fake_sms" --port-file "$work/sms.port" > "$work/sms.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/sms.port"
PORT_SMS=$(cat "$work/sms.port")
printf '{"success":true,"data":{"name":"mod_clinic","version":"x"},"message":"static"}' > "$work/run/www/static.json"
head -c 48 /dev/urandom | base64 > "$work/run/jwt.key"
PORT=$(free_port)
sed -e "s#@RUN@#$work/run#g" -e "s#@MODULE@#$top/.libs/mod_clinic.so#g" \
    -e "s#@ERRORLOG@#$work/run/error.log#g" "$top/conf/common.conf.in" > "$work/run/common.conf"
sed -i "s#^CustomLog.*#CustomLog /dev/null clinic#" "$work/run/common.conf"
sed -e "s#@RUN@#$work/run#g" -e "s#@PORT@#$PORT#g" -e "s#@PORT_DB@#$PORT_DB#g" \
    -e "s#@DB_PASS@#$DB_PASS#g" -e "s#@PORT_SMS@#$PORT_SMS#g" \
    "$top/bench/bench.conf.in" > "$work/run/httpd.conf"
if [ -n "${BENCH_MODULE:-}" ]; then
    sed -i "s#^LoadModule clinic_module .*#LoadModule clinic_module \"$BENCH_MODULE\"#" "$work/run/common.conf"
fi
# bench-graceful measures the example vhost's pool unless told otherwise
if [ "${BENCH_GRACEFUL:-0}" = 1 ] && [ -z "${BENCH_DBD:-}" ]; then
    BENCH_DBD=$(awk '$1 ~ /^DBD(Min|Keep|Max)$/ { v[$1] = $2 }
                     END { print v["DBDMin"], v["DBDKeep"], v["DBDMax"] }' "$top/conf/clinic-vhost.conf")
fi
if [ -n "${BENCH_DBD:-}" ]; then
    read -r dmin dkeep dmax <<<"$BENCH_DBD"
    sed -i -e "s/^\( *\)DBDMin .*/\1DBDMin $dmin/" -e "s/^\( *\)DBDKeep .*/\1DBDKeep $dkeep/" \
        -e "s/^\( *\)DBDMax .*/\1DBDMax $dmax/" "$work/run/httpd.conf"
fi
log "module $(grep -o 'clinic_module .*' "$work/run/common.conf"); pool $(grep -oE 'DBD(Min|Keep|Max) [0-9]+' "$work/run/httpd.conf" | tr '\n' ' ')"
chmod -R a+rX "$work/run/www"
api="http://127.0.0.1:$PORT"
start_httpd() {
    apache2 -f "$work/run/httpd.conf" -k start
    wait_for 20 curl -sf "$api/api/health" || { cat "$work/run/error.log" >&2; exit 1; }
}
if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
    command -v valgrind >/dev/null || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null; }
else
    start_httpd
fi
node "$top/bench/tokens.mjs" "$work/run/jwt.key" "$work/users.tsv" > "$work/tokens"
if [ "${BENCH_CALLGRIND:-0}" != 1 ]; then
    curl -sf -H "Authorization: Bearer $(head -1 "$work/tokens")" "$api/api/user/profile" \
        | grep -q '"activePackage":{' || { log "the seeded user has no active package"; exit 1; }
fi

export BENCH_LUA="$top/bench/lua" BENCH_TOKENS="$work/tokens" BENCH_THREADS=2

# CPU time (user + system ticks) of processes, to tell where a target's
# time goes: httpd (the parent and its children) and MariaDB
hz=$(getconf CLK_TCK)
ticks() {
    local t=0 p v
    for p in "$@"; do
        v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) && t=$((t + v))
    done
    echo "$t"
}
httpd_ticks() {   # the children alive, and those the parent has reaped
    local m
    m=$(cat "$work/run/httpd.pid" 2>/dev/null) || { echo 0; return; }
    echo $(( $(ticks "$m" $(pgrep -P "$m")) \
             + $(awk '{ print $16 + $17 }' "/proc/$m/stat" 2>/dev/null || echo 0) ))
}
db_ticks() { ticks "$(cat "$work/mysql/sock/mysqld.pid")"; }

# wrk_once NAME URL SCRIPT: one measurement, "NAME rps p99_ms non2xx
# requests httpd_us db_us wrk_us": the last three are the CPU microseconds
# httpd, MariaDB and wrk spent per request during it
wrk_once() {
    local out h0 d0 h1 d1
    h0=$(httpd_ticks); d0=$(db_ticks)
    # wrk's own CPU seconds too (bash's time: user and system)
    out=$( { TIMEFORMAT='wrk-cpu %U %S'; time wrk -t2 -c"$conns" -d"${secs}s" --latency \
             -s "$top/bench/lua/$3" "$2"; } 2>&1)
    h1=$(httpd_ticks); d1=$(db_ticks)
    awk -v name="$1" -v hz="$hz" -v h=$((h1 - h0)) -v d=$((d1 - d0)) '
        /Requests\/sec/ { rps = $2 }
        $1 == "99%" { v = $2; ms = v + 0
                      if (v ~ /us$/) ms = ms / 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) ms = ms * 1000
                      p99 = ms }
        /Non-2xx/ { bad = $NF }
        / requests in / { n = $1 }
        $1 == "wrk-cpu" { w = $2 + $3 }
        END { printf "%s %s %.2f %d %d %.0f %.0f %.0f\n", name, rps, p99, bad, n,
                     n ? h / hz * 1e6 / n : 0, n ? d / hz * 1e6 / n : 0,
                     n ? w * 1e6 / n : 0 }' <<<"$out"
}

# instructions per request: httpd -X under callgrind for one route; the
# instructions of a run that serves nothing but its start (the baseline)
# are taken off, the rest divided by the requests wrk made
if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
    cg_total() {  # cg_total URL SCRIPT NAME -> "instructions requests"
        local n=0 out
        # valgrind writes its file as whoever httpd has become: run it all
        # as the Apache user from the start
        mkdir -p "$work/cg"; rm -f "$work/cg/out"
        chown -R www-data "$work/cg" "$work/run"
        runuser -u www-data -- valgrind --tool=callgrind \
            --callgrind-out-file="$work/cg/out" \
            apache2 -X -f "$work/run/httpd.conf" > "$work/cg.log" 2>&1 &
        local vpid=$!
        wait_for 120 curl -sf "$api/api/version" || { cat "$work/cg.log" >&2; exit 1; }
        if [ -n "$1" ]; then
            wrk -t1 -c4 -d"${secs}s" -s "$top/bench/lua/$2" "$1" > "$work/wrk.out" 2>&1 || true
            n=$(awk '/ requests in / {print $1}' "$work/wrk.out")
            [ -n "$n" ] && [ "$n" -gt 0 ] || { cat "$work/wrk.out" "$work/cg.log" >&2; exit 1; }
        fi
        stop_pidfile "$work/run/httpd.pid"
        wait "$vpid" 2>/dev/null || true
        out=$(awk '/^totals:/ { print $2 }' "$work/cg/out")
        # BENCH_CG_DIR: keep each route's profile for callgrind_annotate
        [ -z "${BENCH_CG_DIR:-}" ] || cp "$work/cg/out" "$BENCH_CG_DIR/callgrind.${3:-start}"
        echo "$out $n"
    }
    read -r base _ <<<"$(cg_total "" "" "")"
    printf '%-12s %9s %22s\n' route requests "instructions/request"
    for t in "static /static.json anon.lua" "health /api/health anon.lua" \
             "profile /api/user/profile profile.lua" \
             "packages /api/packages/available anon.lua" \
             "send-otp /api/auth/send-otp send.lua"; do
        set -- $t
        read -r total n <<<"$(cg_total "$api$2" "$3" "$1")"
        awk -v name="$1" -v t="$total" -v b="$base" -v n="$n" \
            'BEGIN { printf "%-12s %9d %22.0f\n", name, n, (t - b) / n }'
    done
    exit 0
fi

# warm-up: the connection pools grow to their working size
warm() {
    for u in /api/health /api/packages/available; do
        wrk -t2 -c"$conns" -d2s -s "$top/bench/lua/anon.lua" "$api$u" >/dev/null 2>&1
    done
    wrk -t2 -c"$conns" -d2s -s "$top/bench/lua/profile.lua" "$api/api/user/profile" >/dev/null 2>&1
}

# growth (make bench-growth): the profile with 1,000 users, then with
# 1,000,000; send-otp on small tables, then after 100,000 logins' codes
# and limit slots past their keeping, which the cleanup must take away
if [ "${BENCH_GROWTH:-0}" = 1 ]; then
    p50() {  # p50 URL SCRIPT: the median round's median latency, ms
        local i
        for i in $(seq "$rounds"); do
            wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$top/bench/lua/$2" "$1" 2>&1 \
                | awk '$1 == "50%" { v = $2; ms = v + 0
                        if (v ~ /us$/) ms /= 1000; else if (v !~ /ms$/ && v ~ /s$/) ms *= 1000
                        print ms }'
        done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
    }
    count() { "${MYSQL[@]}" -N clinic -e "SELECT COUNT(*) FROM $1"; }
    warm
    prof1=$(p50 "$api/api/user/profile" profile.lua)
    send1=$(p50 "$api/api/auth/send-otp" send.lua)
    log "adding 999,000 users"
    "$top/bench/seed-users.sh" 999000 "$users" nopackage 2>/dev/null | "${MYSQL[@]}" clinic
    prof2=$(p50 "$api/api/user/profile" profile.lua)
    # codes expired two hours ago (kept an hour), slots used eight days ago
    # (kept a week): what the cleanup must take away
    log "adding 100,000 logins' codes and limit slots, past their keeping"
    old=$(date -u -d '-2 hours' '+%Y-%m-%d %H:%M:%S'); olds=$(date -u -d '-8 days' +%s)
    awk -v old="$old" -v olds="$olds" 'BEGIN {
        for (i = 0; i < 100000; i += 1000) {
            c = "INSERT INTO otp_codes (id, phone_number, purpose, owner, code_hash, attempts, status, created_at, created_us, expires_at, consumed_at) VALUES "
            r = "INSERT INTO rate_slots (bucket, slot, used_at) VALUES "
            for (j = i; j < i + 1000; j++) {
                c = c (j > i ? "," : "") sprintf("(\x27%08x-c0de-4000-8000-%012x\x27,\x27+9655%07d\x27,\x27login\x27,\x27\x27,\x27x\x27,1,\x27consumed\x27,\x27%s\x27,%d,\x27%s\x27,\x27%s\x27)", j, j, j, old, olds * 1000000 + j, old, old)
                r = r (j > i ? "," : "") sprintf("(\x27otp-phone:+9655%07d\x27,0,%d),(\x27otp-ip:172.16.%d.%d\x27,0,%d)", j, olds, int(j / 256) % 256, j % 256, olds)
            }
            print c ";"; print "INSERT IGNORE" substr(r, 7) ";"
        }
    }' | "${MYSQL[@]}" clinic
    codes0=$(count otp_codes); slots0=$(count rate_slots)
    # new children: each cleans up on its first send (during a short
    # warm-up of sends, so the measurement is of the tables it leaves)
    apache2 -f "$work/run/httpd.conf" -k graceful
    sleep 2
    warm
    wrk -t2 -c"$conns" -d3s -s "$top/bench/lua/send.lua" "$api/api/auth/send-otp" >/dev/null 2>&1
    send2=$(p50 "$api/api/auth/send-otp" send.lua)
    codes1=$(count otp_codes); slots1=$(count rate_slots)
    # InnoDB purges the deleted rows in the background: once more, later
    sleep 30
    send3=$(p50 "$api/api/auth/send-otp" send.lua)
    awk -v p1="$prof1" -v p2="$prof2" -v s1="$send1" -v s2="$send2" -v s3="$send3" \
        -v c0="$codes0" -v c1="$codes1" -v r0="$slots0" -v r1="$slots1" 'BEGIN {
        printf "%-44s %10s %10s %7s\n", "p50 latency (ms)", "before", "after", "ratio"
        printf "%-44s %10.2f %10.2f %7.2f\n", "profile: 1,000 users -> 1,000,000", p1, p2, p2 / p1
        printf "%-44s %10.2f %10.2f %7.2f\n", "send-otp: small tables -> +100,000 logins", s1, s2, s2 / s1
        printf "%-44s %10.2f %10.2f %7.2f\n", "  the same 30 s later (purge done)", s1, s3, s3 / s1
        printf "otp_codes %d rows before the cleanup, %d after; rate_slots %d before, %d after\n", c0, c1, r0, r1
    }'
    exit 0
fi

warm

# graceful (make bench-graceful): the static file and a module route at
# once, each with half the connections, for BENCH_GRACEFUL_SECONDS (15)
# while the master gets SIGUSR1 every 3 s (as logrotate's daily reload,
# but often).  The slowest answer of each as wrk saw it (its timeout
# raised to 10 s, so none is left out) and as httpd timed it (%D of the
# access log: inside the server), and the module's excess over static.
if [ "${BENCH_GRACEFUL:-0}" = 1 ]; then
    gsecs=${BENCH_GRACEFUL_SECONDS:-15}
    half=$((conns / 2))
    sed -i "s#^CustomLog.*#CustomLog $work/run/access.log clinic#" "$work/run/common.conf"
    apache2 -f "$work/run/httpd.conf" -k graceful
    sleep 3
    warm
    # wrk_max FILE: "max_ms non2xx socket_errors requests" (a graceful
    # closes idle kept connections: wrk counts those as read errors)
    wrk_max() {
        awk '$1 == "Latency" && !lat { v = $4; ms = v + 0
                 if (v ~ /us$/) ms /= 1000; else if (v !~ /ms$/ && v ~ /[0-9]s$/) ms *= 1000
                 lat = ms }
             /Non-2xx/ { bad += $NF }
             /Socket errors/ { gsub(/,/, ""); sock += $4 + $6 + $8 + $10 }
             / requests in / { n = $1 }
             END { printf "%.0f %d %d %d\n", lat, bad, sock, n }' "$1"
    }
    server_max() {  # server_max PATH: the slowest %D of its requests, ms
        awk -F'"' -v p=" $1 " '$2 ~ p { split($3, f, " "); if (f[3] + 0 > m) m = f[3] + 0 }
             END { printf "%.0f\n", m / 1000 }' "$work/run/access.log"
    }
    printf '%-9s %5s | %-27s | %-27s | %s\n' "" "" "    wrk: slowest answer, ms" \
        "  httpd (%D): slowest, ms" "module answers"
    printf '%-9s %5s | %8s %8s %9s | %8s %8s %9s | %s\n' route round static module excess \
        static module excess "non-2xx, socket errors of all"
    for route in ${BENCH_GRACEFUL_ROUTES:-profile send-otp}; do
        case $route in
            profile) url=/api/user/profile; script=profile.lua ;;
            send-otp) url=/api/auth/send-otp; script=send.lua ;;
            health) url=/api/health; script=anon.lua ;;
            *) url=/api/packages/available; script=anon.lua ;;
        esac
        for round in $(seq "$rounds"); do
            : > "$work/run/access.log"
            wrk -t1 -c"$half" -d"${gsecs}s" --timeout 10s --latency \
                -s "$top/bench/lua/anon.lua" "$api/static.json" > "$work/g-static" 2>&1 &
            ws=$!
            wrk -t1 -c"$half" -d"${gsecs}s" --timeout 10s --latency \
                -s "$top/bench/lua/$script" "$api$url" > "$work/g-module" 2>&1 &
            wm=$!
            pids+=("$ws" "$wm")
            for _ in $(seq $(( (gsecs - 1) / 3 ))); do
                sleep 3
                kill -USR1 "$(cat "$work/run/httpd.pid")"
            done
            wait "$ws" "$wm" || true
            read -r smax _ _ _ <<<"$(wrk_max "$work/g-static")"
            read -r mmax mbad msock mn <<<"$(wrk_max "$work/g-module")"
            sdmax=$(server_max /static.json); mdmax=$(server_max "$url")
            printf '%-9s %5d | %8d %8d %9d | %8d %8d %9d | %d, %d of %d\n' "$route" "$round" \
                "$smax" "$mmax" $((mmax - smax)) "$sdmax" "$mdmax" $((mdmax - sdmax)) \
                "$mbad" "$msock" "$mn"
            sleep 4         # the last generation settles
        done
    done
    grep -c "AH00493" "$work/run/error.log" | xargs printf 'graceful restarts made: %s\n'
    exit 0
fi

want_target() { [ -z "${BENCH_TARGETS:-}" ] || [[ " $BENCH_TARGETS " == *" $1 "* ]]; }

next_phone=1000000
for round in $(seq "$rounds"); do
    log "round $round of $rounds (${secs}s each)"
    wrk_once static "$api/static.json" anon.lua >> "$work/results"
    if want_target health; then wrk_once health "$api/api/health" anon.lua >> "$work/results"; fi
    if want_target profile; then wrk_once profile "$api/api/user/profile" profile.lua >> "$work/results"; fi
    if want_target packages; then wrk_once packages "$api/api/packages/available" anon.lua >> "$work/results"; fi
    wrk_once send-otp "$api/api/auth/send-otp" send.lua >> "$work/results"
    if ! want_target verify-otp; then continue; fi
    # codes for verify: as many as send-otp could make in the time, and more
    sent=$(awk '$1 == "send-otp" { r = $2 } END { print int(r) }' "$work/results")
    want=$(( (sent > 500 ? sent : 500) * secs * 3 / 2 ))
    [ "$want" -le 90000 ] || want=90000
    node "$top/bench/pairs.mjs" "$api" "http://127.0.0.1:$PORT_SMS" "$want" "$next_phone" > "$work/pairs"
    next_phone=$((next_phone + want))
    export BENCH_PAIRS="$work/pairs"
    line=$(wrk_once verify-otp "$api/api/auth/verify-otp" verify.lua)
    have=$(wc -l < "$work/pairs")
    # a run that used up its codes measured less than its time: say so
    [ "$(awk '{print $5}' <<<"$line")" -lt "$have" ] || line="$line short"
    echo "$line" >> "$work/results"
    wrk_once gateway "http://127.0.0.1:$PORT_SMS/ok/bench" gateway.lua >> "$work/results"
done
if [ -n "${BENCH_TARGETS:-}" ]; then
    "$top/bench/report.sh" "$work/results"
    exit 0
fi

# --- memory: the children's peak RSS over 200,000 requests ---------------
children() { pgrep -P "$(cat "$work/run/httpd.pid")" | sort; }
hwm() { local t=0 p; for p in $(children); do t=$((t + $(awk '/VmHWM/ {print $2}' "/proc/$p/status"))); done; echo $t; }
before_children=$(children | tr '\n' ' ')
hwm0=$(hwm)
prof=$(awk '$1 == "profile" { r = $2 } END { print int(r) }' "$work/results")
msecs=$(( 220000 / (prof > 1000 ? prof : 1000) + 2 ))
mem=$(wrk -t2 -c"$conns" -d"${msecs}s" -s "$top/bench/lua/profile.lua" "$api/api/user/profile" 2>&1 | awk '/ requests in / {print $1}')
hwm1=$(hwm)
[ "$(children | tr '\n' ' ')" = "$before_children" ] || log "the children changed during the memory run: the figure is not comparable"

# --- the table ------------------------------------------------------------
"$top/bench/report.sh" "$work/results"
echo "memory: children's peak RSS ${hwm0} KiB after warm-up, ${hwm1} KiB after $mem more profile requests ($(( hwm1 - hwm0 )) KiB)"
