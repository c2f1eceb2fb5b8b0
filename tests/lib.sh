# SPDX-License-Identifier: Apache-2.0
# tests/lib.sh: what the test harness and the benchmarks share (sourced,
# bash).  The caller sets $work (its private folder) and $top first.

log() { printf '[%s] %s\n' "${LOG_TAG:-harness}" "$*" >&2; }

wait_for() {   # wait_for SECONDS COMMAND...
    local t=$1; shift
    for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}

read -r eph_lo _ < /proc/sys/net/ipv4/ip_local_port_range
port_lo=10000
port_hi=$((eph_lo - 1))

free_port() {
    # runs in $(...): remember the ports handed out in a file, not a variable
    local p
    touch "$work/ports"
    while :; do
        # below the kernel's ephemeral range, where outgoing connections
        # (to MariaDB, to the gateway) would otherwise take our port
        p=$(shuf -i "$port_lo-$port_hi" -n 1)
        grep -qx "$p" "$work/ports" && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p" >> "$work/ports"
            echo "$p"; return
        fi
    done
}

# A private MariaDB in $1 (a new folder) on a free loopback port: sets
# PORT_DB and MYSQL (the root client, by socket).  $1/start.sh starts it,
# $1/stop.sh stops it, $1/restart.sh [PAUSE] does both; $1/sock/mysqld.pid
# names it for cleanup.  Extra mariadbd options may follow.
mariadb_start() {
    local d=$1; shift
    local extra="$*"
    mkdir -p "$d/data" "$d/sock"
    chown -R mysql:mysql "$d"
    mariadb-install-db --user=mysql --datadir="$d/data" \
        --auth-root-authentication-method=socket --skip-test-db \
        > "$d/install.log" 2>&1 || { cat "$d/install.log" >&2; return 1; }
    PORT_DB=$(free_port)
    cat > "$d/start.sh" <<SH
#!/bin/sh
mariadbd --no-defaults --user=mysql --datadir="$d/data" --socket="$d/sock/mysqld.sock" \\
    --port="$PORT_DB" --bind-address=127.0.0.1 --pid-file="$d/sock/mysqld.pid" \\
    --log-error="$d/error.log" --max-connections=300 \\
    --innodb-buffer-pool-size=64M --skip-name-resolve $extra >/dev/null 2>&1 &
for i in \$(seq 600); do
    mariadb --no-defaults --socket="$d/sock/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && exit 0
    sleep 0.1
done
exit 1
SH
    cat > "$d/stop.sh" <<SH
#!/bin/sh
# stop MariaDB (TERM, as a service restart does) and wait until it is gone
pid=\$(cat "$d/sock/mysqld.pid")
kill -TERM "\$pid"
for i in \$(seq 600); do kill -0 "\$pid" 2>/dev/null || exit 0; sleep 0.1; done
exit 1
SH
    cat > "$d/restart.sh" <<SH
#!/bin/sh
# stop MariaDB, wait PAUSE seconds, then start it again
"$d/stop.sh"
sleep \${1:-0}
exec "$d/start.sh"
SH
    chmod 755 "$d/start.sh" "$d/stop.sh" "$d/restart.sh"
    "$d/start.sh" || { cat "$d/error.log" >&2; return 1; }
    MYSQL=(mariadb --no-defaults --socket="$d/sock/mysqld.sock" -uroot)
}

# Stop what a pid file names: TERM, then KILL after 10 s
stop_pidfile() {
    local pid
    [ -s "$1" ] || return 0
    pid=$(cat "$1")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}
