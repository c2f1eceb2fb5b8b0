# SPDX-License-Identifier: Apache-2.0
# tests/scale/galera.sh: a private 3-node MariaDB Galera cluster on
# 127.0.0.1 (sourced, bash, after tests/lib.sh; needs $work for free_port;
# run as root: mariadbd drops to the mysql user).
#
#   galera_start DIR        nodes in DIR/n1 DIR/n2 DIR/n3, node 1 bootstraps
#                           the cluster, 2 and 3 join it by SST (rsync);
#                           returns when all three are Synced with size 3
#   gmysql N [ARGS...]      the root client on node N (by socket)
#   galera_kill N           SIGKILL node N (by its pid file)
#   galera_rejoin N         start node N again (no --wsrep-new-cluster), wait
#                           until Synced and size 3; sets GALERA_JOIN_HOW
#                           (IST or SST) and GALERA_JOIN_SECS
#   galera_stop_all DIR     TERM then KILL every node of DIR by pid file;
#                           for traps: safe when nothing or half is running
#   galera_state N          "SIZE STATE" of node N, e.g. "3 Synced"
#
# After galera_start: GALERA_DIR, GALERA_SQL_PORT[1..3], GALERA_SOCK[1..3],
# GALERA_GCOMM_PORT[], GALERA_IST_PORT[], GALERA_SST_PORT[], GALERA_PIDFILE[]
# and GALERA_START_SECS.  Each node has DIR/nX/my.cnf (all its options: the
# SST scripts read them too), DIR/nX/start.sh [MARIADBD-OPTIONS...] (starts
# it and waits up to GALERA_WAIT seconds for Synced; node 1 was started with
# --wsrep-new-cluster once, never again), DIR/nX/error.log and
# DIR/nX/sock/mysqld.pid.  The ports are written to DIR/ports.env.
#
# GALERA_SST_METHOD (rsync) is passed to wsrep_sst_method; mariabackup
# needs the mariadb-backup package (not installed here) and wsrep_sst_auth.
# GALERA_PROVIDER_EXTRA is appended to wsrep_provider_options.
#
# What three nodes on one loopback address need: every node its own
# gmcast.listen_addr (the Galera port, default 4567), ist.recv_addr (else
# Galera port + 1) and wsrep_sst_receive_address WITH a port (else rsync's
# daemon binds 4444 for every joiner); wsrep_node_address with the Galera
# port and wsrep_node_incoming_address with the SQL port (what
# wsrep_incoming_addresses shows); a cluster name of its own, so that two
# clusters of concurrent runs can never merge.  Everything binds 127.0.0.1.
# A SIGKILLed node's grastate.dat says seqno -1, and started as is it would
# ask for a full SST: start.sh first recovers its position from InnoDB with
# --wsrep-recover and passes --wsrep-start-position, so it rejoins by IST
# (the rsync script still runs then, in "bypass" mode).  Writes on the
# survivors stall for up to evs.suspect_timeout (PT5S) after a SIGKILL.
# Restarting the whole cluster after galera_stop_all is not covered: that
# needs the node with safe_to_bootstrap: 1 started with --wsrep-new-cluster.

GALERA_PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
GALERA_WAIT=${GALERA_WAIT:-180}
declare -ga GALERA_SQL_PORT GALERA_SOCK GALERA_GCOMM_PORT GALERA_IST_PORT \
    GALERA_SST_PORT GALERA_PIDFILE
GALERA_DIR=""

_galera_now() { date +%s.%N; }
_galera_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

gmysql() {   # gmysql N [ARGS...]
    local n=$1; shift
    mariadb --no-defaults --socket="${GALERA_SOCK[$n]}" -uroot "$@"
}

galera_state() {   # prints "SIZE STATE" of node N; fails if it does not answer
    local out
    out=$(gmysql "$1" -N -B -e "SELECT
        (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
          WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'),
        (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
          WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT')" 2>/dev/null) \
        || return 1
    echo "$out" | tr '\t' ' '
}

galera_synced() {   # galera_synced N [SIZE]: node N is Synced in a cluster of SIZE
    [ "$(galera_state "$1")" = "${2:-3} Synced" ]
}

# the pids of node N's mariadbd, checked against its command line (a pid
# file may outlive its process and the pid may be reused)
_galera_pids() {
    local d=$1 f pid
    for f in "$d/sock/mysqld.pid" "$d/launch.pid"; do
        [ -s "$f" ] || continue
        pid=$(cat "$f")
        tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF "$d/my.cnf" \
            && echo "$pid"
    done | sort -u
}

# node folder DIR/nX, its options and start script
_galera_node() {
    local dir=$1 n=$2 d=$1/n$2 i gcomm=""
    for i in 1 2 3; do gcomm="$gcomm${gcomm:+,}127.0.0.1:${GALERA_GCOMM_PORT[$i]}"; done
    mkdir -p "$d/data" "$d/sock" "$d/tmp"
    cat > "$d/my.cnf" <<CNF
# node $n of the Galera cluster in $dir (written by tests/scale/galera.sh)
[mysqld]
user = mysql
datadir = $d/data
tmpdir = $d/tmp
socket = $d/sock/mysqld.sock
pid-file = $d/sock/mysqld.pid
log-error = $d/error.log
port = ${GALERA_SQL_PORT[$n]}
bind-address = 127.0.0.1
skip-name-resolve
max-connections = 300
innodb-buffer-pool-size = 64M
innodb-log-file-size = 16M
innodb-flush-log-at-trx-commit = 2
binlog-format = ROW
default-storage-engine = InnoDB
innodb-autoinc-lock-mode = 2
wsrep-on = ON
wsrep-provider = $GALERA_PROVIDER
wsrep-cluster-name = $GALERA_NAME
wsrep-cluster-address = gcomm://$gcomm
wsrep-node-name = n$n
wsrep-node-address = 127.0.0.1:${GALERA_GCOMM_PORT[$n]}
wsrep-node-incoming-address = 127.0.0.1:${GALERA_SQL_PORT[$n]}
wsrep-provider-options = "base_host=127.0.0.1;base_port=${GALERA_GCOMM_PORT[$n]};gmcast.listen_addr=tcp://127.0.0.1:${GALERA_GCOMM_PORT[$n]};ist.recv_addr=127.0.0.1:${GALERA_IST_PORT[$n]};gcache.size=64M${GALERA_PROVIDER_EXTRA:+;$GALERA_PROVIDER_EXTRA}"
wsrep-sst-method = ${GALERA_SST_METHOD:-rsync}
wsrep-sst-receive-address = 127.0.0.1:${GALERA_SST_PORT[$n]}
CNF
    cat > "$d/start.sh" <<SH
#!/bin/sh
# start node $n (extra mariadbd options may follow), wait until it is Synced
d="$d"
# After a crash grastate.dat says seqno -1 and the node would ask for a full
# SST; recover its position from InnoDB first (as galera_recovery does for
# systemd) so that it can rejoin by IST.
pos=""
if grep -q '^seqno: *-1' "\$d/data/grastate.dat" 2>/dev/null; then
    rm -f "\$d/recover.log"
    mariadbd --defaults-file="\$d/my.cnf" --wsrep-recover \\
        --log-error="\$d/recover.log" >>"\$d/console.log" 2>&1
    pos=\$(sed -n 's/.*WSREP: Recovered position: *//p' "\$d/recover.log" | tail -n 1)
    echo "node $n: recovered position \${pos:-none}" >&2
fi
mariadbd --defaults-file="\$d/my.cnf" \${pos:+--wsrep-start-position="\$pos"} "\$@" \\
    >>"\$d/console.log" 2>&1 &
echo \$! > "\$d/launch.pid"
for i in \$(seq $((GALERA_WAIT * 5))); do
    kill -0 "\$(cat "\$d/launch.pid")" 2>/dev/null || { echo "node $n: mariadbd exited" >&2; exit 1; }
    s=\$(mariadb --no-defaults --socket="\$d/sock/mysqld.sock" -uroot -N -B \\
        -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)
    [ "\$s" = Synced ] && exit 0
    sleep 0.2
done
echo "node $n: not Synced after $GALERA_WAIT s" >&2
exit 1
SH
    chmod 755 "$d/start.sh"
    chown -R mysql:mysql "$d"
    chown root:root "$d/start.sh" "$d/my.cnf"
    chmod 644 "$d/my.cnf"
}

galera_start() {   # galera_start DIR
    local dir=$1 n t0 t1
    GALERA_DIR=$dir
    GALERA_NAME=clinic-scale-$$-$RANDOM
    mkdir -p "$dir"
    chmod 755 "$dir"
    for n in 1 2 3; do
        GALERA_SQL_PORT[$n]=$(free_port)
        GALERA_GCOMM_PORT[$n]=$(free_port)
        GALERA_IST_PORT[$n]=$(free_port)
        GALERA_SST_PORT[$n]=$(free_port)
        GALERA_SOCK[$n]=$dir/n$n/sock/mysqld.sock
        GALERA_PIDFILE[$n]=$dir/n$n/sock/mysqld.pid
    done
    for n in 1 2 3; do _galera_node "$dir" "$n"; done
    {
        echo "GALERA_NAME=$GALERA_NAME"
        for n in 1 2 3; do
            echo "GALERA_SQL_PORT[$n]=${GALERA_SQL_PORT[$n]} GALERA_GCOMM_PORT[$n]=${GALERA_GCOMM_PORT[$n]}" \
                 "GALERA_IST_PORT[$n]=${GALERA_IST_PORT[$n]} GALERA_SST_PORT[$n]=${GALERA_SST_PORT[$n]}" \
                 "GALERA_SOCK[$n]=${GALERA_SOCK[$n]}"
        done
    } > "$dir/ports.env"

    # only node 1 gets system tables; 2 and 3 receive everything by SST
    mariadb-install-db --defaults-file="$dir/n1/my.cnf" --user=mysql \
        --auth-root-authentication-method=socket --skip-test-db \
        > "$dir/n1/install.log" 2>&1 || { cat "$dir/n1/install.log" >&2; return 1; }

    t0=$(_galera_now)
    log "galera: bootstrapping node 1 (sql ${GALERA_SQL_PORT[1]}, gcomm ${GALERA_GCOMM_PORT[1]})"
    "$dir/n1/start.sh" --wsrep-new-cluster || { tail -n 30 "$dir/n1/error.log" >&2; return 1; }
    t1=$(_galera_now)
    GALERA_BOOT_SECS=$(_galera_secs "$t0" "$t1")
    for n in 2 3; do
        log "galera: node $n joins (sql ${GALERA_SQL_PORT[$n]}, gcomm ${GALERA_GCOMM_PORT[$n]}, sst ${GALERA_SST_PORT[$n]})"
        "$dir/n$n/start.sh" || { tail -n 30 "$dir/n$n/error.log" >&2; return 1; }
    done
    for n in 1 2 3; do
        wait_for "$GALERA_WAIT" galera_synced "$n" 3 \
            || { log "galera: node $n: $(galera_state "$n")"; return 1; }
    done
    GALERA_START_SECS=$(_galera_secs "$t0" "$(_galera_now)")
    log "galera: 3 nodes Synced in ${GALERA_START_SECS}s (node 1 alone: ${GALERA_BOOT_SECS}s)"
}

galera_kill() {   # galera_kill N: SIGKILL, wait until it is gone
    local d=$GALERA_DIR/n$1 pid
    for pid in $(_galera_pids "$d"); do
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
}

galera_rejoin() {   # galera_rejoin N: start again, report IST or SST
    local n=$1 d=$GALERA_DIR/n$1 from t0 first
    from=$(( $(wc -l < "$d/error.log") + 1 ))
    t0=$(_galera_now)
    "$d/start.sh" || { tail -n 30 "$d/error.log" >&2; return 1; }
    wait_for "$GALERA_WAIT" galera_synced "$n" 3 || return 1
    GALERA_JOIN_SECS=$(_galera_secs "$t0" "$(_galera_now)")
    # the joiner prepares its IST receiver for seqnos F-L: F > 0 means it
    # kept its own state and only missed writesets came (IST; rsync still
    # runs, in "bypass" mode, and logs "rsync IST completed"), F = 0 means a
    # full copy of a donor's datadir (SST)
    first=$(tail -n +"$from" "$d/error.log" \
        | sed -n 's/.*Prepared IST receiver for \([0-9-]*\)-[0-9]*,.*/\1/p' | head -n 1)
    case $first in
        '') GALERA_JOIN_HOW=none ;;   # nothing to transfer
        0|-1) GALERA_JOIN_HOW=SST ;;
        *) GALERA_JOIN_HOW=IST ;;
    esac
    log "galera: node $n Synced again in ${GALERA_JOIN_SECS}s by $GALERA_JOIN_HOW"
    tail -n +"$from" "$d/error.log" \
        | grep -E 'Prepared IST receiver|rsync [IS]ST completed on joiner|Receiving IST:|IST received' >&2 || true
}

galera_stop_all() {   # galera_stop_all DIR: TERM every node, KILL after 20 s
    local dir=${1:-$GALERA_DIR} d pid pids=() left
    [ -n "$dir" ] || return 0
    for d in "$dir"/n1 "$dir"/n2 "$dir"/n3; do
        [ -d "$d" ] || continue
        for pid in $(_galera_pids "$d"); do
            kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
        done
    done
    for _ in $(seq 200); do
        left=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
        [ "$left" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    # what an interrupted SST leaves: its script and rsync daemon, found by
    # this cluster's folder on their command lines
    for pid in $(pgrep -f "$dir/n[123]/" 2>/dev/null); do
        [ "$pid" = "$$" ] || kill -KILL "$pid" 2>/dev/null || true
    done
    return 0
}
