#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proves the README's two commands on a brand-new Debian 12 machine.
#
#   tests/fresh-machine.sh [SOURCE]     (as root; SOURCE: a git repository,
#                                        default the one holding this script)
#
# What it does, in order (each step is timed and reported PASS/FAIL/SKIP):
#   1. installs debootstrap on this host if it is missing (apt-get);
#   2. builds a minimal Debian 12 (bookworm, variant minbase) root with
#      debootstrap in a work folder under /var/tmp, from the mirror this
#      host's apt uses (read from its sources, one-line or deb822), or copies
#      a cached pristine root (FRESH_CACHE, below) instead;
#   3. configures the root the way this host reaches its registries (apt
#      sources, apt proxy/validity settings, locally added CA certificates,
#      /root/.npmrc and the npm registry, resolv.conf), adds a policy-rc.d
#      that exits 101 (services do not start on install), and mounts proc,
#      sys (read-only), a private /dev (tmpfs with the usual nodes), /dev/pts
#      and /dev/shm;
#   4. installs in the root only what a fresh machine is assumed to have:
#      make, gcc, libc6-dev, git, ca-certificates (no recommends);
#   5. clones the committed HEAD of SOURCE into /root/mod_clinic inside the
#      root (/root mode 700, the case where httpd's www-data children cannot
#      reach the checkout);
#   6. runs `make test` there (env cleared: HOME, PATH, LANG=C.UTF-8,
#      TERM=dumb; no CI variables), output in a log;
#   7. runs `make run` in the background on a free port (CLINIC_PORT), waits
#      for /api/health, logs in like the README's curl lines (send-otp, the
#      code from the `log` SMS driver's line, verify-otp, profile) and
#      checks each answer has "success":true, then stops the server (the
#      apache2 master inside the root, by pid: TERM, then KILL);
#   8. kills every process left inside the root, unmounts everything under
#      the work folder (also on failure or Ctrl-C), checks with findmnt that
#      nothing is left mounted, removes the work folder, prints a summary
#      and exits non-zero if any step failed.
#
# How long, on 2 cores: about 9 minutes with debootstrap, 7 from a cached
# root (measured; allow 20 on a slow mirror).  `make test` is most of it: it
# installs Apache, MariaDB, chromium, Node.js, ... itself (about 850 packages,
# 2.6 GB in the work folder).
#
# Environment:
#   FRESH_CACHE=DIR        reuse DIR as the pristine root (copied, never
#                          changed); built there once when it does not exist
#   FRESH_WORK_BASE=DIR    where the work folder goes (default /var/tmp)
#   FRESH_LOGS=DIR         where the logs go (default
#                          /var/tmp/clinic-fresh-logs/DATE-TIME); always kept
#   FRESH_MIRROR=URL       the Debian mirror, instead of this host's
#   FRESH_VARIANT=NAME     debootstrap variant (default minbase)
#   FRESH_PORT=N           port for `make run` (default: a free one)
#   FRESH_TEST_TIMEOUT=S   limit for `make test` (default 3600)
#   KEEP=1                 keep the work folder when a step failed
#
# Ctrl-C (or TERM to this script) stops the running step and goes straight to
# the teardown: nothing stays mounted or running.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "fresh-machine: run as root (debootstrap, chroot and mount need it)" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
SRC=${1:-$(git -C "$here" rev-parse --show-toplevel)}
SUITE=bookworm
VARIANT=${FRESH_VARIANT:-minbase}
WORK_BASE=${FRESH_WORK_BASE:-/var/tmp}
LOGS=${FRESH_LOGS:-/var/tmp/clinic-fresh-logs/$(date +%Y%m%d-%H%M%S)}
TEST_TIMEOUT=${FRESH_TEST_TIMEOUT:-3600}
CACHE=${FRESH_CACHE:-}
CACHE=${CACHE%/}
PHONE=+96550000001
ROOT_TAG=fresh
WORK_PREFIX=clinic-fresh

. "$here/lib-root.sh"
. "$here/lib-login.sh"
root_init
SERVER_LOG="$LOGS/make-run.log"
SERVER_DESC="make run's output"

# ----------------------------------------------------------------------------
# The steps of this test (lib-root.sh has those that build the root).
s_preconditions() {
    in_root 'set -e
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            make gcc libc6-dev git ca-certificates' >"$LOGS/preconditions.log" 2>&1 \
        || { tail -n 30 "$LOGS/preconditions.log" >&2; return 1; }
    in_root 'set -e
        echo "packages installed: $(dpkg-query -W -f="\${Status}\n" | grep -c "install ok installed")"
        for c in make gcc git; do printf "  %-10s %s\n" "$c" "$(command -v $c)"; done
        for c in apache2 apxs mariadbd node npm chromium curl sqlite3 pkg-config; do
            if command -v $c >/dev/null 2>&1; then echo "  $c: present (unexpected on a fresh machine)"; fi
        done' | sed 's/^/[fresh]   /' >&2
    in_root 'dpkg-query -W -f="\${Package}\n"' | sort > "$STATE/pkgs-before"
}

s_clone() {
    local sha="" dirty=""
    if [ -d "$SRC" ]; then
        sha=$(git -C "$SRC" rev-parse HEAD)
        # read-only look at the work tree (no index refresh written)
        dirty=$(GIT_OPTIONAL_LOCKS=0 git -C "$SRC" status --porcelain --untracked-files=no 2>/dev/null || true)
    fi
    say "cloning $SRC${sha:+ at $sha}"
    if [ -n "$dirty" ]; then
        say "note: uncommitted changes in $SRC ($(printf '%s\n' "$dirty" | wc -l) files) are not part of the test:"
        printf '%s\n' "$dirty" | head -n 8 | sed 's/^/[fresh]     /' >&2
    fi
    git clone -q --bare --no-local "$SRC" "$ROOT/tmp/src.git"
    in_root "set -e
        git clone -q /tmp/src.git /root/mod_clinic
        cd /root/mod_clinic
        if [ -n '$sha' ] && [ \"\$(git rev-parse HEAD)\" != '$sha' ]; then git checkout -q --detach '$sha'; fi
        git log -1 --format='checked out %H %s'
        stat -c '%a %U %n' /root /root/mod_clinic" | sed 's/^/[fresh]   /' >&2
    [ "$(stat -c %a "$ROOT/root")" = 700 ]
    git -C "$ROOT/root/mod_clinic" rev-parse HEAD > "$STATE/sha"
}

s_make_test() {
    local rc=0 wd
    say "make test (log: $LOGS/make-test.log, limit ${TEST_TIMEOUT}s)"
    # the limit: past it, every process in the root is stopped
    ( for _ in $(seq "$TEST_TIMEOUT"); do sleep 1; done
      say "make test still running after ${TEST_TIMEOUT}s: stopping it"
      kill_root_procs ) &
    wd=$!
    set +e
    in_root 'cd /root/mod_clinic && make test' 2>&1 | tee "$LOGS/make-test.log"
    rc=${PIPESTATUS[0]}
    set -e
    kill "$wd" 2>/dev/null || true
    wait "$wd" 2>/dev/null || true
    say "make test exited with $rc"
    local left; left=$(root_pids)
    if [ -n "$left" ]; then
        say "processes still running in the root after make test:"
        ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" | sed 's/^/[fresh]   /' >&2 || true
    fi
    return $rc
}

s_packages() {   # what `make` installed by itself
    in_root 'dpkg-query -W -f="\${Package}\n"' | sort > "$STATE/pkgs-after"
    comm -13 "$STATE/pkgs-before" "$STATE/pkgs-after" > "$LOGS/packages-installed-by-make.txt"
    cp "$ROOT/var/log/apt/history.log" "$LOGS/apt-history.log" 2>/dev/null || true
    say "packages installed by make: $(wc -l < "$LOGS/packages-installed-by-make.txt") (list: $LOGS/packages-installed-by-make.txt)"
    local p missing=""
    for p in apache2 apache2-dev mariadb-server libcriterion-dev sqlite3 curl; do
        grep -qx "$p" "$STATE/pkgs-after" || missing="$missing $p"
    done
    for p in nodejs chromium; do
        grep -qx "$p" "$STATE/pkgs-after" || say "  $p not installed (the browser test did not get that far)"
    done
    [ -z "$missing" ] || { say "not installed:$missing"; return 1; }
}

s_make_run() {
    local port=${FRESH_PORT:-$(free_port)}
    echo "$port" > "$STATE/port"
    say "make run on 127.0.0.1:$port (log: $LOGS/make-run.log)"
    env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 TERM=dumb CLINIC_PORT="$port" "${ENV_PASS[@]}" \
        chroot "$ROOT" /bin/bash -c 'cd /root/mod_clinic && exec make run' \
        </dev/null >"$LOGS/make-run.log" 2>&1 &
    echo $! > "$STATE/make-run.pid"
    local pid=$! i
    for i in $(seq 600); do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "make run exited before serving:"; tail -n 30 "$LOGS/make-run.log" >&2; return 1
        fi
        if api GET /api/health > "$LOGS/health.json" 2>/dev/null \
                && grep -q '"success"' "$LOGS/health.json"; then
            say "serving after ${i}s"
            return
        fi
        sleep 1
    done
    say "no answer from /api/health in 600s"; tail -n 30 "$LOGS/make-run.log" >&2; return 1
}

s_stop_server() {
    local pid conf pidfile
    pid=$(apache_master | head -n 1)
    if [ -n "$pid" ]; then
        # its PidFile, found from the config it was started with (-f)
        conf=$(tr '\0' '\n' < "/proc/$pid/cmdline" | sed -n '/^-f$/{n;p;q}')
        pidfile=""
        if [ -n "$conf" ]; then
            pidfile=$(cat "$ROOT$conf" "$(dirname "$ROOT$conf")"/*.conf 2>/dev/null \
                      | sed -n 's/^[[:space:]]*PidFile[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' | head -n 1)
        fi
        if [ -n "$pidfile" ] && [ -s "$ROOT$pidfile" ]; then
            say "apache2 master $pid (config $conf, pid file $pidfile holds $(cat "$ROOT$pidfile"))"
        else
            say "apache2 master $pid (config ${conf:-?}; no pid file found)"
        fi
        say "stopping apache2 (pid $pid)"
        stop_pid "$pid"
    else
        say "no apache2 running in the root"
    fi
    pid=$(cat "$STATE/make-run.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then say "stopping make run (pid $pid)"; stop_pid "$pid"; fi
    fi
    local left; left=$(root_pids)
    if [ -n "$left" ]; then
        say "still running in the root after stopping the server: $(echo $left)"; return 1
    fi
}

# ----------------------------------------------------------------------------
# Teardown (EXIT trap, lib-root.sh): make run first, then the root.
root_teardown_first() {
    if [ -s "$STATE/make-run.pid" ]; then
        local pid; pid=$(cat "$STATE/make-run.pid")
        kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
    fi
}
root_summary_head() {
    local sha; sha=$(cat "$STATE/sha" 2>/dev/null || true)
    [ -z "$sha" ] || echo "commit:      $sha"
}
trap 'root_teardown $? fresh-machine' EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

say "work folder $WORK, logs $LOGS"

# ----------------------------------------------------------------------------
step host-tools s_host_tools
if passed host-tools; then step base-root s_base_root; else skip base-root; fi
if passed base-root; then step configure s_configure; else skip configure; fi
if passed configure; then step preconditions s_preconditions; else skip preconditions; fi
if passed preconditions; then step clone s_clone; else skip clone; fi
if passed clone; then
    step make-test s_make_test
    step packages s_packages
    step make-run s_make_run
    if passed make-run; then step health s_health; else skip health; fi
    # the login is tried whatever health said: its answers tell more
    if passed make-run; then step send-otp s_send_otp; else skip send-otp; fi
    if passed send-otp; then step verify-otp s_verify_otp; else skip verify-otp; fi
    if passed verify-otp; then step profile s_profile; else skip profile; fi
    step stop-server s_stop_server
else
    for s in make-test packages make-run health send-otp verify-otp profile stop-server; do skip "$s"; done
fi
exit 0
