#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration harness: a private MariaDB, a fake SMS gateway and httpd with
# the freshly built module, all on 127.0.0.1 with ports picked here; the
# Criterion suite (build/integration_tests) runs against MariaDB, then
# against SQLite.  Everything started here is stopped on exit, also when a
# test fails or the run is interrupted.
#
#   tests/run-integration.sh [mysql|sqlite ...]   (default: both)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(mysql sqlite)

work=$(mktemp -d /tmp/clinic-test.XXXXXX)
chmod 755 "$work"
pids=()
httpd_conf=""

. "$top/tests/lib.sh"
. "$top/tests/metrics/prometheus.sh"

# CLINIC_MODULE: another build of the module (make asan); CLINIC_HTTPD_ENV:
# environment for httpd (the sanitizer's preload); CLINIC_VALGRIND=1: httpd
# -X under memcheck (make valgrind), judged by its report when it stops.
module=${CLINIC_MODULE:-$top/.libs/mod_clinic.so}
valgrind=${CLINIC_VALGRIND:-0}
asan=${CLINIC_ASAN:-0}

stop_httpd() {
    if [ -n "$httpd_conf" ] && [ -s "$work/run/httpd.pid" ]; then
        local pid; pid=$(cat "$work/run/httpd.pid")
        local waits=50; [ "$valgrind" = 1 ] && waits=1800
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq $waits); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$work/run/httpd.pid"
    fi
}

# memcheck's verdict on the httpd that just stopped
check_valgrind() {
    local log="$work/run/valgrind.log" errors lost
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -1)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)
    log "valgrind ($1): ${errors:-?} errors, ${lost:-0} bytes definitely lost"
    grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost" "$log" | tail -4 >&2 || true
    if [ "${errors:-1}" != 0 ] || [ "${lost:-0}" != 0 ]; then
        status=1
        cp "$log" "/tmp/clinic-valgrind-$1.log"
        log "FAILED: memcheck report kept in /tmp/clinic-valgrind-$1.log"
    fi
}

cleanup() {
    local rc=$?
    prom_stop
    stop_httpd
    # MariaDB by its pid file: the restart test may have replaced it
    if [ -s "$work/mysql/sock/mysqld.pid" ]; then pids+=("$(cat "$work/mysql/sock/mysqld.pid")"); fi
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ $rc -ne 0 ] && [ -f "$work/run/error.log" ]; then
        log "last lines of the httpd error log:"
        tail -n 40 "$work/run/error.log" >&2 || true
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/run" "$work/mysql" "$work/sqlite"
# what httpd's children (www-data) read must not live in the checkout: a
# checkout in /root (mode 700) is out of their reach
cp -r "$top/tests/browser/www" "$work/www"
chmod -R a+rX "$work/www"

# The schema, from nothing, by clinicctl migrate: every run proves it on
# both databases before the module serves from them
migrate() {   # migrate DRIVER PARAMS
    "$top/build/clinicctl" --schema-dir "$top/schema" --driver "$1" \
        --params "$2" migrate >/dev/null
}

# --- secrets -------------------------------------------------------------
(umask 077
 head -c 48 /dev/urandom | base64 > "$work/run/jwt.key"
 head -c 48 /dev/urandom | base64 > "$work/run/otp.key"
 # the token key rotated in (the keyrot and keyret hosts)
 head -c 48 /dev/urandom | base64 > "$work/run/new.key"
 head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/run/twilio.token")

# --- fake SMS gateway ----------------------------------------------------
"$top/build/fake_sms" --port-file "$work/sms.port" > "$work/sms.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/sms.port" || { log "fake SMS gateway did not start"; exit 1; }
PORT_SMS=$(cat "$work/sms.port")
log "fake SMS gateway on 127.0.0.1:$PORT_SMS"

# --- fake payment providers (MyFatoorah, Tap) ------------------------------
(umask 077
 head -c 32 /dev/urandom | base64 | tr -d '\n' > "$work/run/mf.key"
 head -c 32 /dev/urandom | base64 | tr -d '\n' > "$work/run/mf.secret"
 printf 'sk_test_%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$work/run/tap.key")
node "$top/tests/fake_pay/fake_pay.mjs" --port-file "$work/pay.port" \
    --mf-key "$work/run/mf.key" --mf-secret "$work/run/mf.secret" \
    --tap-key "$work/run/tap.key" > "$work/pay.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/pay.port" || { log "fake payment providers did not start"; cat "$work/pay.log" >&2; exit 1; }
PORT_PAY=$(cat "$work/pay.port")
log "fake payment providers on 127.0.0.1:$PORT_PAY"

# --- fake WhatsApp Cloud API ----------------------------------------------
(umask 077
 printf 'EAAG%s' "$(head -c 60 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$work/run/wa.token"
 head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/run/wa.secret"
 head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/run/wa.verify")
node "$top/tests/fake_wa/fake_wa.mjs" --port-file "$work/wa.port" \
    --token "$work/run/wa.token" --app-secret "$work/run/wa.secret" > "$work/wa.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/wa.port" || { log "fake WhatsApp Cloud API did not start"; cat "$work/wa.log" >&2; exit 1; }
PORT_WAAPI=$(cat "$work/wa.port")
log "fake WhatsApp Cloud API on 127.0.0.1:$PORT_WAAPI"

# --- private MariaDB -----------------------------------------------------
start_mariadb() {
    # start.sh / restart.sh: the restart test stops and starts the server
    # under load (the pid file names whoever runs now, for cleanup too)
    mariadb_start "$work/mysql" || return 1
    DB_PASS=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
    "${MYSQL[@]}" <<SQL
CREATE DATABASE clinic CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE clinic_empty;
CREATE USER 'clinic'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT SELECT, INSERT, UPDATE, DELETE ON clinic.* TO 'clinic'@'127.0.0.1';
GRANT SELECT ON clinic_empty.* TO 'clinic'@'127.0.0.1';
CREATE DATABASE clinic_ro CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
GRANT SELECT, INSERT, UPDATE, DELETE ON clinic_ro.* TO 'clinic'@'127.0.0.1';
SQL
    # clinic_ro: the schema, but every write to rate_slots fails when it runs
    # (a statement error the module must turn into a clean 500)
    migrate mysql "sock=$work/mysql/sock/mysqld.sock user=root dbname=clinic_ro"
    "${MYSQL[@]}" clinic_ro -e "CREATE TRIGGER refuse_writes BEFORE INSERT ON rate_slots
        FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'writes refused for the test'"
    migrate mysql "sock=$work/mysql/sock/mysqld.sock user=root dbname=clinic"
    "${MYSQL[@]}" clinic < "$top/schema/seed.sql"
    log "MariaDB on 127.0.0.1:$PORT_DB"
}

# --- httpd ---------------------------------------------------------------
start_httpd() {
    local kind=$1
    PORT_MAIN=$(free_port); PORT_SHORT=$(free_port); PORT_FAIL=$(free_port)
    PORT_HANG=$(free_port); PORT_TWILIO=$(free_port); PORT_NOTRUST=$(free_port)
    PORT_DBDOWN=$(free_port); PORT_NOSCHEMA=$(free_port); PORT_READONLY=$(free_port)
    PORT_LIMITS=$(free_port); PORT_CORS=$(free_port); PORT_PAGE=$(free_port)
    PORT_EVIL=$(free_port); PORT_POOL2=$(free_port); PORT_CAP=$(free_port)
    PORT_CAPWAIT=$(free_port)
    PORT_BUSY=$(free_port); PORT_INHERIT1=$(free_port); PORT_INHERIT2=$(free_port)
    PORT_SLOWGW=$(free_port); PORT_BIGBODY=$(free_port); PORT_FUZZ=$(free_port)
    PORT_PAYMF=$(free_port); PORT_PAYTAP=$(free_port); PORT_PAYDOWN=$(free_port)
    PORT_PAYHANG=$(free_port); PORT_PAYLATE=$(free_port)
    PORT_KEYOLD=$(free_port); PORT_KEYROT=$(free_port); PORT_KEYRET=$(free_port)
    PORT_METRICS=$(free_port); PORT_METRICSDOWN=$(free_port)
    PORT_BUDGET=$(free_port)
    PORT_LIFO=$(free_port)
    PORT_LANG=$(free_port)
    PORT_WA=$(free_port); PORT_WANOFB=$(free_port)
    local run="$work/run"
    : > "$run/error.log"; : > "$run/security.log"; : > "$run/security-piped.log"
    chown www-data:www-data "$run/security.log" "$run/security-piped.log"
    sed -e "s#@RUN@#$run#g" -e "s#@MODULE@#$module#g" \
        -e "s#@ERRORLOG@#$run/error.log#g" "$top/conf/common.conf.in" > "$run/common.conf"
    local subst=(-e "s#@RUN@#$run#g" -e "s#@PORT_SMS@#$PORT_SMS#g"
                 -e "s#@PORT_MAIN@#$PORT_MAIN#g" -e "s#@PORT_SHORT@#$PORT_SHORT#g"
                 -e "s#@PORT_FAIL@#$PORT_FAIL#g" -e "s#@PORT_HANG@#$PORT_HANG#g"
                 -e "s#@PORT_TWILIO@#$PORT_TWILIO#g" -e "s#@PORT_NOTRUST@#$PORT_NOTRUST#g"
                 -e "s#@PORT_DBDOWN@#$PORT_DBDOWN#g" -e "s#@PORT_NOSCHEMA@#$PORT_NOSCHEMA#g"
                 -e "s#@PORT_READONLY@#$PORT_READONLY#g" -e "s#@PORT_LIMITS@#$PORT_LIMITS#g"
                 -e "s#@PORT_CORS@#$PORT_CORS#g" -e "s#@PORT_PAGE@#$PORT_PAGE#g"
                 -e "s#@PORT_EVIL@#$PORT_EVIL#g" -e "s#@TOP@#$top#g"
                 -e "s#@PORT_POOL2@#$PORT_POOL2#g" -e "s#@PORT_CAP@#$PORT_CAP#g"
                 -e "s#@PORT_CAPWAIT@#$PORT_CAPWAIT#g"
                 -e "s#@PORT_BUSY@#$PORT_BUSY#g" -e "s#@PORT_INHERIT1@#$PORT_INHERIT1#g"
                 -e "s#@PORT_INHERIT2@#$PORT_INHERIT2#g" -e "s#@WWW@#$work/www#g"
                 -e "s#@PORT_SLOWGW@#$PORT_SLOWGW#g" -e "s#@PORT_BIGBODY@#$PORT_BIGBODY#g"
                 -e "s#@PORT_FUZZ@#$PORT_FUZZ#g" -e "s#@PORT_PAY@#$PORT_PAY#g"
                 -e "s#@PORT_PAYMF@#$PORT_PAYMF#g" -e "s#@PORT_PAYTAP@#$PORT_PAYTAP#g"
                 -e "s#@PORT_PAYDOWN@#$PORT_PAYDOWN#g" -e "s#@PORT_PAYHANG@#$PORT_PAYHANG#g"
                 -e "s#@PORT_PAYLATE@#$PORT_PAYLATE#g" -e "s#@PORT_CLOSED@#$(free_port)#g"
                 -e "s#@PORT_KEYOLD@#$PORT_KEYOLD#g" -e "s#@PORT_KEYROT@#$PORT_KEYROT#g"
                 -e "s#@PORT_KEYRET@#$PORT_KEYRET#g"
                 -e "s#@PORT_METRICS@#$PORT_METRICS#g"
                 -e "s#@PORT_METRICSDOWN@#$PORT_METRICSDOWN#g"
                 -e "s#@PORT_BUDGET@#$PORT_BUDGET#g"
                 -e "s#@PORT_LIFO@#$PORT_LIFO#g"
                 -e "s#@PORT_LANG@#$PORT_LANG#g"
                 -e "s#@PORT_WA@#$PORT_WA#g" -e "s#@PORT_WANOFB@#$PORT_WANOFB#g"
                 -e "s#@PORT_WAAPI@#$PORT_WAAPI#g")
    sed "${subst[@]}" "$top/tests/httpd-test.conf.in" > "$run/httpd.conf"
    if [ "$kind" = mysql ]; then
        cat > "$run/db.conf" <<CONF
DBDriver mysql
DBDParams "host=127.0.0.1 port=$PORT_DB user=clinic pass=$DB_PASS dbname=clinic"
DBDInitSQL "SET NAMES utf8mb4"
DBDMax 20
CONF
        cat > "$run/db-empty.conf" <<CONF
DBDriver mysql
DBDParams "host=127.0.0.1 port=$PORT_DB user=clinic pass=$DB_PASS dbname=clinic_empty"
CONF
        cat > "$run/db-readonly.conf" <<CONF
DBDriver mysql
DBDParams "host=127.0.0.1 port=$PORT_DB user=clinic pass=$DB_PASS dbname=clinic_ro"
CONF
        cat > "$run/db-down.conf" <<CONF
DBDriver mysql
DBDParams "host=127.0.0.1 port=$(free_port) user=clinic pass=nothing dbname=clinic"
DBDMin 0
CONF
        cp "$run/db.conf" "$run/db-busy.conf"
        printf '#!/bin/sh\nexec mariadb --no-defaults --socket=%s -uroot -N -B clinic\n' \
            "$work/mysql/sock/mysqld.sock" > "$run/sql.sh"
    else
        local db="$work/sqlite/clinic.db"
        rm -f "$work/sqlite/"*
        migrate sqlite3 "$db"
        sqlite3 "$db" < "$top/schema/seed.sql"
        sqlite3 "$work/sqlite/empty.db" 'CREATE TABLE unrelated (x INTEGER);'
        chown -R www-data:www-data "$work/sqlite"
        # a copy the Apache user may read but not write
        mkdir -p "$work/sqlite-ro"
        sqlite3 "$db" ".backup $work/sqlite-ro/clinic.db"
        sqlite3 "$work/sqlite-ro/clinic.db" 'PRAGMA journal_mode = DELETE;' >/dev/null
        chmod 755 "$work/sqlite-ro"; chmod 644 "$work/sqlite-ro/clinic.db"
        cat > "$run/db.conf" <<CONF
DBDriver sqlite3
DBDParams "$db"
DBDInitSQL "PRAGMA busy_timeout = 10000"
CONF
        # the same database, waiting only 100 ms for a lock (the busy test);
        # DBDMax differs, or mod_dbd would share main's pool and its
        # DBDInitSQL (it groups by driver, params and pool sizes only)
        cat > "$run/db-busy.conf" <<CONF
DBDriver sqlite3
DBDParams "$db"
DBDInitSQL "PRAGMA busy_timeout = 100"
DBDMax 3
CONF
        cat > "$run/db-empty.conf" <<CONF
DBDriver sqlite3
DBDParams "$work/sqlite/empty.db"
CONF
        cat > "$run/db-readonly.conf" <<CONF
DBDriver sqlite3
DBDParams "$work/sqlite-ro/clinic.db"
CONF
        cat > "$run/db-down.conf" <<CONF
DBDriver sqlite3
DBDParams "$work/sqlite/missing/nowhere.db"
DBDMin 0
CONF
        printf '#!/bin/sh\nexec sqlite3 -batch -cmd ".timeout 10000" -separator "\t" %s\n' "$db" > "$run/sql.sh"
    fi
    chmod 755 "$run/sql.sh"
    # two codes for the cleanup test: expired 25 hours ago (to be deleted
    # by the module) and two hours ago (kept a day, so OTP_EXPIRED stays
    # true and clinicctl stats counts it)
    local old recent
    old=$(date -u -d '-25 hours' '+%Y-%m-%d %H:%M:%S')
    recent=$(date -u -d '-2 hours' '+%Y-%m-%d %H:%M:%S')
    # and two limit slots: used eight days ago (past the longest window an
    # OTP limit may have: deleted) and two hours ago (kept: a host sharing
    # the database may count a longer window than this one's)
    local olds recents
    olds=$(date -u -d '-8 days' +%s)
    recents=$(date -u -d '-2 hours' +%s)
    "$run/sql.sh" <<SQL
DELETE FROM rate_slots WHERE bucket IN ('otp-ip:cleanup-old', 'otp-ip:cleanup-recent');
INSERT INTO rate_slots (bucket, slot, used_at) VALUES ('otp-ip:cleanup-old', 0, $olds), ('otp-ip:cleanup-recent', 0, $recents);
SQL
    "$run/sql.sh" <<SQL
DELETE FROM otp_codes WHERE id IN ('00000000-0000-4000-8000-0000000c1ea1', '00000000-0000-4000-8000-0000000c1ea2');
INSERT INTO otp_codes (id, phone_number, purpose, owner, code_hash, attempts, status, created_at, created_us, expires_at)
VALUES ('00000000-0000-4000-8000-0000000c1ea1', '+96550000011', 'login', '', 'x', 0, 'active', '$old', 1, '$old'),
       ('00000000-0000-4000-8000-0000000c1ea2', '+96550000012', 'login', '', 'x', 0, 'active', '$recent', 2, '$recent');
SQL
    apache2 -t -f "$run/httpd.conf" 2>&1 | grep -v "Syntax OK" >&2 || true
    httpd_conf="$run/httpd.conf"
    if [ "$valgrind" = 1 ]; then
        valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --num-callers=40 \
            --suppressions="$top/tests/valgrind.supp" --log-file="$run/valgrind.log" \
            apache2 -X -f "$run/httpd.conf" > "$run/valgrind.out" 2>&1 &
    elif [ "$asan" = 1 ]; then
        # httpd itself is not instrumented: the runtime comes preloaded
        # (for the tests' own `apache2 -t` runs too)
        CLINIC_APACHE2="env LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
        CLINIC_APACHE2+=" ASAN_OPTIONS=detect_leaks=0:halt_on_error=0:verify_asan_link_order=0:log_path=$run/asan"
        CLINIC_APACHE2+=" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0:log_path=$run/ubsan apache2"
        export CLINIC_APACHE2
        $CLINIC_APACHE2 -f "$run/httpd.conf" -k start
    else
        apache2 -f "$run/httpd.conf" -k start
    fi
    wait_for $([ "$valgrind" = 1 ] && echo 120 || echo 20) \
        curl -sf "http://127.0.0.1:$PORT_MAIN/api/version" \
        || { log "httpd did not come up"; cat "$run/error.log" >&2; return 1; }
    export CLINIC_DB_KIND=$kind CLINIC_SQL="$run/sql.sh" \
        CLINIC_SECURITY_LOG="$run/security.log" CLINIC_ERROR_LOG="$run/error.log" \
        CLINIC_JWT_KEY="$run/jwt.key" CLINIC_RUN_DIR="$run" CLINIC_TOP="$top" \
        CLINIC_SMS="http://127.0.0.1:$PORT_SMS" \
        CLINIC_MAIN="http://127.0.0.1:$PORT_MAIN" CLINIC_SHORT="http://127.0.0.1:$PORT_SHORT" \
        CLINIC_FAIL="http://127.0.0.1:$PORT_FAIL" CLINIC_HANG="http://127.0.0.1:$PORT_HANG" \
        CLINIC_TWILIO="http://127.0.0.1:$PORT_TWILIO" CLINIC_NOTRUST="http://127.0.0.1:$PORT_NOTRUST" \
        CLINIC_DBDOWN="http://127.0.0.1:$PORT_DBDOWN" CLINIC_NOSCHEMA="http://127.0.0.1:$PORT_NOSCHEMA" \
        CLINIC_READONLY="http://127.0.0.1:$PORT_READONLY" CLINIC_LIMITS="http://127.0.0.1:$PORT_LIMITS" \
        CLINIC_CORS="http://127.0.0.1:$PORT_CORS" CLINIC_PAGE="http://127.0.0.1:$PORT_PAGE" \
        CLINIC_EVIL="http://127.0.0.1:$PORT_EVIL" \
        CLINIC_POOL2="http://127.0.0.1:$PORT_POOL2" CLINIC_CAP="http://127.0.0.1:$PORT_CAP" \
        CLINIC_CAPWAIT="http://127.0.0.1:$PORT_CAPWAIT" \
        CLINIC_BUSY="http://127.0.0.1:$PORT_BUSY" CLINIC_INHERIT1="http://127.0.0.1:$PORT_INHERIT1" \
        CLINIC_INHERIT2="http://127.0.0.1:$PORT_INHERIT2" \
        CLINIC_SLOWGW="http://127.0.0.1:$PORT_SLOWGW" CLINIC_BIGBODY="http://127.0.0.1:$PORT_BIGBODY" \
        CLINIC_DB_RESTART="$work/mysql/restart.sh" \
        CLINIC_DB_STOP="$work/mysql/stop.sh" CLINIC_DB_START="$work/mysql/start.sh" \
        CLINIC_PAY="http://127.0.0.1:$PORT_PAY" \
        CLINIC_PAYMF="http://127.0.0.1:$PORT_PAYMF" CLINIC_PAYTAP="http://127.0.0.1:$PORT_PAYTAP" \
        CLINIC_PAYDOWN="http://127.0.0.1:$PORT_PAYDOWN" CLINIC_PAYHANG="http://127.0.0.1:$PORT_PAYHANG" \
        CLINIC_PAYLATE="http://127.0.0.1:$PORT_PAYLATE" \
        CLINIC_NEW_KEY="$run/new.key" CLINIC_KEYOLD="http://127.0.0.1:$PORT_KEYOLD" \
        CLINIC_KEYROT="http://127.0.0.1:$PORT_KEYROT" CLINIC_KEYRET="http://127.0.0.1:$PORT_KEYRET" \
        CLINIC_METRICS="http://127.0.0.1:$PORT_METRICS" \
        CLINIC_METRICSDOWN="http://127.0.0.1:$PORT_METRICSDOWN" \
        CLINIC_BUDGET="http://127.0.0.1:$PORT_BUDGET" \
        CLINIC_LIFO="http://127.0.0.1:$PORT_LIFO" \
        CLINIC_LANG="http://127.0.0.1:$PORT_LANG" \
        CLINIC_WA="http://127.0.0.1:$PORT_WA" CLINIC_WANOFB="http://127.0.0.1:$PORT_WANOFB" \
        CLINIC_WAAPI="http://127.0.0.1:$PORT_WAAPI" \
        CLINIC_WA_SECRET="$run/wa.secret" CLINIC_WA_VERIFY="$run/wa.verify" \
        CLINIC_WA_TOKEN="$run/wa.token"
    log "httpd ($kind) up, main site on 127.0.0.1:$PORT_MAIN"
}

run_suites() {   # the Criterion suite, then the outage pass, then fail2ban
    local kind=$1
    log "integration tests against $kind"
    if ! "$top/build/integration_tests" --jobs 2 ${CRITERION_ARGS:-} \
            2> >(tee -a "$work/criterion.log" >&2); then
        if [ "$valgrind" = 1 ]; then
            # one process, twenty times slower: the tests of timing and of
            # several children can't pass there; memcheck is the verdict
            log "some tests fail under valgrind -X (timing, several children): not counted"
        else
            status=1
            log "FAILED on $kind"
            tail -n 40 "$work/run/error.log" >&2 || true
        fi
    fi
    # the outage tests (a database restart, a held SQLite lock) take the
    # whole database away, and the `alone` ones change what every other
    # test reads (the package list): a pass of their own, with nothing
    # beside them
    if [ -z "${CRITERION_ARGS:-}" ]; then
        log "outage tests against $kind, alone"
        if ! CLINIC_ALONE=1 "$top/build/integration_tests" --jobs 1 --filter='+(outage|alone)/*' \
                2> >(tee -a "$work/criterion.log" >&2); then
            status=1
            log "FAILED (outage) on $kind"
            tail -n 40 "$work/run/error.log" >&2 || true
        fi
    fi
    if ! "$top/tests/check-fail2ban.sh" "$work/run/security.log"; then
        status=1
    fi
}

# every answer the suite received under /api/ (the client logs them:
# tests/integration/resplog.h) against docs/openapi.yaml
check_answers() {
    local kind=$1 answers="$work/answers-$1.jsonl"
    if [ ! -s "$answers" ]; then
        if [ -n "${CRITERION_ARGS:-}" ]; then
            log "no answer logged on $kind: nothing to check against docs/openapi.yaml"
        else
            status=1
            log "FAILED: the suite logged no answer on $kind"
        fi
        return
    fi
    log "answers on $kind against docs/openapi.yaml"
    if ! "$top/tests/openapi/run.sh" "$top/docs/openapi.yaml" "$answers"; then
        status=1
        log "FAILED: answers on $kind do not match docs/openapi.yaml"
    fi
}

# random requests at the running httpd: no 5xx but 503, always the
# envelope, no child crash
run_request_fuzzer() {
    local n=${CLINIC_HTTP_FUZZ:-5000} seed=${CLINIC_FUZZ_SEED:-$RANDOM}
    log "request fuzzer: $n requests, seed $seed"
    if ! "$top/build/http_fuzz" "127.0.0.1:$PORT_FUZZ" "$n" "$seed" "$work/run/jwt.key"; then
        status=1
        log "FAILED: request fuzzer (seed $seed)"
    fi
    if grep -E "exit signal|AddressSanitizer" "$work/run/error.log" >&2; then
        status=1
        log "FAILED: an httpd child crashed"
    fi
}

status=0
for kind in "${kinds[@]}"; do
    if [ "$kind" = mysql ] && [ -z "${PORT_DB:-}" ]; then start_mariadb; fi
    start_httpd "$kind"
    prom_start "127.0.0.1:$PORT_METRICS"
    if [ "${CLINIC_FUZZ_ONLY:-0}" != 1 ]; then
        export CLINIC_RESPONSE_LOG="$work/answers-$kind.jsonl"
        run_suites "$kind"
        check_answers "$kind"
    fi
    first=0; [ "$kind" = "${kinds[0]}" ] && first=1
    if [ $first = 1 ] && [ "${CLINIC_HTTP_FUZZ:-5000}" != 0 ] && [ -z "${CRITERION_ARGS:-}" ]; then
        run_request_fuzzer
    fi
    # the browser proof of CORS, once (it does not depend on the database)
    if [ $first = 1 ] && [ "${CLINIC_SKIP_BROWSER:-0}" != 1 ] \
            && [ "${CLINIC_FUZZ_ONLY:-0}" != 1 ]; then
        log "browser test (chromium) against the CORS configuration"
        if ! "$top/tests/browser/run.sh"; then
            status=1
            log "FAILED: browser test"
        fi
    fi
    prom_stop
    stop_httpd
    if [ "$valgrind" = 1 ]; then check_valgrind "$kind"; fi
    if [ "$asan" = 1 ]; then
        if cat "$work/run/"asan.* "$work/run/"ubsan.* 2>/dev/null | grep -E "ERROR|runtime error" >&2; then
            status=1
            cat "$work/run/"asan.* "$work/run/"ubsan.* > "/tmp/clinic-asan-$kind.log" 2>/dev/null || true
            log "FAILED: sanitizer reports kept in /tmp/clinic-asan-$kind.log"
        else
            log "sanitizers ($kind): no report"
        fi
    fi
done
# one closing line over both databases (Criterion prints one per run)
sleep 0.2
if [ -s "$work/criterion.log" ]; then
    passed=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$work/criterion.log" | awk '{s+=$1} END {print s+0}')
    failed=$(sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p' "$work/criterion.log" \
             | awk '{s+=$1+$2} END {print s+0}')
    log "databases: ${kinds[*]}"
    echo "integration: $passed passed, $failed failed"
fi
exit $status
