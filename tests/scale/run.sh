#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make scale-test: two Apache hosts on a 3-node MariaDB Galera cluster,
# behind a load balancer, all on loopback ports picked here.
#
#   Galera node 1  <- haproxy db_a (node 1 first, 2 and 3 as backups) <- host A
#   Galera node 2  <- haproxy db_b (node 2 first, 1 and 3 as backups) <- host B
#   Galera node 3                      haproxy front (round robin A, B) <- tests
#
# haproxy stands in for each host's local database balancer and for the
# front balancer (one process, three listeners).  Then, in order:
#   1. the invariants (tests/scale/test_scale.c), on the direct hosts and
#      through the front;
#   2. what the group allows under the general limits, with each host
#      counting alone (its shared memory, then shmcb) and with one memcached
#      for both (test_general.c);
#   3. node 1 killed (SIGKILL) under a login and purchase load through the
#      front (test_nodeloss.c); node 1 rejoins (IST); the invariants again.
# Not part of make test.  Everything started here is stopped by its pid,
# also on failure.  SCALE_KEEP=1 keeps the folder (logs, configuration).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
LOG_TAG=scale
work=$(mktemp -d /tmp/clinic-scale.XXXXXX)
chmod 755 "$work"
pids=()
. "$top/tests/lib.sh"
. "$top/tests/scale/galera.sh"
t_start=$(date +%s)

cleanup() {
    local rc=$?
    stop_pidfile "$work/a/httpd.pid"
    stop_pidfile "$work/b/httpd.pid"
    stop_pidfile "$work/haproxy.pid"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    galera_stop_all "$work/g"
    if [ "$rc" != 0 ]; then
        log "FAILED (exit $rc); logs in $work"
        for f in "$work"/a/error.log "$work"/b/error.log; do
            [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; } >&2
        done
    fi
    [ "${SCALE_KEEP:-0}" = 1 ] || [ "$rc" != 0 ] && log "kept $work" || rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make -C "$top" -s all build/fake_sms build/scale_tests >/dev/null

# --- the cluster, the schema ---------------------------------------------
log "starting a 3-node Galera cluster"
galera_start "$work/g"
log "cluster Synced in ${GALERA_START_SECS} s (SQL ports ${GALERA_SQL_PORT[1]}, ${GALERA_SQL_PORT[2]}, ${GALERA_SQL_PORT[3]})"
DB_PASS=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
gmysql 1 <<SQL
CREATE DATABASE clinic CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'clinic'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT SELECT, INSERT, UPDATE, DELETE ON clinic.* TO 'clinic'@'127.0.0.1';
SQL
root1=(mariadb --no-defaults --socket="${GALERA_SOCK[1]}" -uroot)
"$top/build/clinicctl" --schema-dir "$top/schema" --driver mysql \
    --params "sock=${GALERA_SOCK[1]} user=root dbname=clinic" migrate >/dev/null
"${root1[@]}" clinic < "$top/schema/seed.sql"
# the tests read through node 3, which no host uses, waiting for the
# cluster's writes as the hosts do
printf '#!/bin/sh\nexec mariadb --no-defaults --socket=%s -uroot -N -B clinic --init-command="SET SESSION wsrep_sync_wait = 1"\n' \
    "${GALERA_SOCK[3]}" > "$work/sql.sh"
chmod 755 "$work/sql.sh"

# --- the gateway, the balancers, the hosts --------------------------------
"$top/build/fake_sms" --port-file "$work/sms.port" > "$work/sms.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/sms.port"
PORT_SMS=$(cat "$work/sms.port")

PORT_DBA=$(free_port); PORT_DBB=$(free_port); PORT_FRONT=$(free_port)
PORT_A=$(free_port); PORT_B=$(free_port)
db_listen() {   # db_listen NAME PORT FIRST: a TCP balancer, node FIRST first
    local n
    printf 'listen %s\n    mode tcp\n    bind 127.0.0.1:%s\n' "$1" "$2"
    printf '    default-server inter 300ms fall 2 rise 3 on-marked-down shutdown-sessions\n'
    printf '    server n%s 127.0.0.1:%s check\n' "$3" "${GALERA_SQL_PORT[$3]}"
    for n in 1 2 3; do
        [ "$n" = "$3" ] || printf '    server n%s 127.0.0.1:%s check backup\n' "$n" "${GALERA_SQL_PORT[$n]}"
    done
}
{
    cat <<CFG
global
    maxconn 4000
    pidfile $work/haproxy.pid
defaults
    timeout connect 2s
    # pooled database connections sit idle between requests
    timeout client 1h
    timeout server 1h
CFG
    db_listen db_a "$PORT_DBA" 1
    db_listen db_b "$PORT_DBB" 2
    cat <<CFG
listen front
    mode http
    bind 127.0.0.1:$PORT_FRONT
    timeout client 30s
    timeout server 30s
    balance roundrobin
    option redispatch
    retries 2
    server a 127.0.0.1:$PORT_A check inter 1s
    server b 127.0.0.1:$PORT_B check inter 1s
CFG
} > "$work/haproxy.cfg"
haproxy -c -f "$work/haproxy.cfg" >/dev/null
haproxy -D -f "$work/haproxy.cfg"
wait_for 10 test -s "$work/haproxy.pid"

mkdir -p "$work/shared"
head -c 48 /dev/urandom | base64 > "$work/shared/jwt.key"
chmod -R a+rX "$work/shared"
host_conf() {   # host_conf NAME PORT DB_PORT COUNTERS
    local run="$work/$1"
    mkdir -p "$run"
    sed -e "s#@RUN@#$run#g" -e "s#@MODULE@#$top/.libs/mod_clinic.so#g" \
        -e "s#@ERRORLOG@#$run/error.log#g" "$top/conf/common.conf.in" > "$run/common.conf"
    sed -e "s#@RUN@#$run#g" -e "s#@PORT@#$2#g" -e "s#@DB_PORT@#$3#g" \
        -e "s#@DB_PASS@#$DB_PASS#g" -e "s#@PORT_SMS@#$PORT_SMS#g" \
        -e "s#@SHARED@#$work/shared#g" -e "s#@COUNTERS@#$4#g" \
        "$top/tests/scale/host.conf.in" > "$run/httpd.conf"
    chown -R www-data "$run"
}
hosts_start() {   # hosts_start COUNTERS
    local h
    for h in a b; do
        stop_pidfile "$work/$h/httpd.pid"
    done
    host_conf a "$PORT_A" "$PORT_DBA" "$1"
    host_conf b "$PORT_B" "$PORT_DBB" "$1"
    for h in a b; do
        apache2 -f "$work/$h/httpd.conf" -k start
    done
    wait_for 20 curl -sf "http://127.0.0.1:$PORT_A/api/health"
    wait_for 20 curl -sf "http://127.0.0.1:$PORT_B/api/health"
    wait_for 20 curl -sf "http://127.0.0.1:$PORT_FRONT/api/version"
}
hosts_start ""
log "hosts on :$PORT_A (node 1) and :$PORT_B (node 2), front on :$PORT_FRONT"

export CLINIC_DB_KIND=mysql CLINIC_SQL="$work/sql.sh" CLINIC_JWT_KEY="$work/shared/jwt.key" \
    CLINIC_SMS="http://127.0.0.1:$PORT_SMS" CLINIC_A="http://127.0.0.1:$PORT_A" \
    CLINIC_B="http://127.0.0.1:$PORT_B" CLINIC_FRONT="http://127.0.0.1:$PORT_FRONT"
tests() {   # tests FILTER [VAR=VALUE...]
    local filter=$1; shift
    env "$@" "$top/build/scale_tests" --filter="$filter" -j1 --verbose 2>&1 \
        | grep -v -E '^\[(RUN |----)\] ?$|^\[----\] Criterion|^\[====\] Running|Test is disabled' \
        | tee -a "$work/tests.log"
    [ "${PIPESTATUS[0]}" = 0 ]
}

# --- 1. the invariants, direct and through the front ----------------------
log "1. invariants, requests alternating between the two hosts"
tests 'scale/*' CLINIC_SCALE_VIA=direct
log "1. invariants, through the front balancer"
tests 'scale/*' CLINIC_SCALE_VIA=front

# --- 2. the general limits across hosts ------------------------------------
log "2. general limits, each host counting alone (the default counters)"
tests 'general/*' CLINIC_SCALE_COUNTERS=local
hosts_start "ClinicRateLimitCache shmcb"
log "2. general limits, each host counting alone in shmcb"
tests 'general/*' CLINIC_SCALE_COUNTERS=local
command -v memcached >/dev/null
PORT_MC=$(free_port)
memcached -u nobody -l 127.0.0.1 -p "$PORT_MC" -U 0 -m 16 > "$work/memcached.log" 2>&1 &
pids+=($!)
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT_MC"
hosts_start "ClinicRateLimitCache memcache:127.0.0.1:$PORT_MC"
log "2. general limits, one memcached for both hosts"
tests 'general/*' CLINIC_SCALE_COUNTERS=shared
hosts_start ""

# --- 3. a node killed under load, then back --------------------------------
printf '#!/bin/sh\nkill -KILL "$(cat %s)"\n' "${GALERA_PIDFILE[1]}" > "$work/kill1.sh"
chmod 755 "$work/kill1.sh"
log "3. node 1 (host A's) killed under load through the front"
tests 'nodeloss/*' CLINIC_SCALE_KILL="$work/kill1.sh" CLINIC_SCALE_SECONDS="${SCALE_LOAD_SECONDS:-20}"
log "cluster after the kill: node 2 '$(galera_state 2)', node 3 '$(galera_state 3)'"
crashes=$(cat "$work"/a/error.log "$work"/b/error.log | grep -c -E 'exit signal|Segmentation|AH00052' || true)
log "child crashes in the hosts' error logs: $crashes"
[ "$crashes" = 0 ]
log "node 1 rejoins"
galera_rejoin 1
log "node 1 back through $GALERA_JOIN_HOW in $GALERA_JOIN_SECS s: $(galera_state 1)"
[ "$GALERA_JOIN_HOW" = IST ]
log "3. invariants again after the rejoin, direct and through the front"
tests 'scale/*' CLINIC_SCALE_VIA=direct
tests 'scale/*' CLINIC_SCALE_VIA=front
log "scale test passed in $(( $(date +%s) - t_start )) s"
