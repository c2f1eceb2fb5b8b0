#!/usr/bin/env bash
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
T_START=$SECONDS

mkdir -p "$LOGS"
LOGS=$(cd "$LOGS" && pwd)
mkdir -p "$WORK_BASE"
WORK=$(mktemp -d "$(cd "$WORK_BASE" && pwd)/clinic-fresh.XXXXXX")
WORK=$(realpath "$WORK")
ROOT="$WORK/root"          # realpath'd: /proc/PID/root is compared with it
STATE="$WORK/state"        # what steps (run in subshells) hand on
mkdir -p "$ROOT" "$STATE"

say() { printf '[fresh] %s\n' "$*" >&2; }

# ----------------------------------------------------------------------------
# Steps: each runs in a subshell with errexit on (never call `step` inside
# if/&&/||: errexit would be ignored inside).  Results go to these arrays.
STEP_NAMES=(); STEP_RESULTS=(); STEP_SECS=()
CUR_STEP="" CUR_NAME="" CUR_T0=0

record() { STEP_NAMES+=("$1"); STEP_RESULTS+=("$2"); STEP_SECS+=("$3"); }

step() {   # step NAME FUNCTION [ARGS...]
    local name=$1; shift
    local t0=$SECONDS rc
    say "=== $name"
    # in the background, in its own process group (set -m), so that a signal
    # to this script runs the teardown at once, which stops the whole group
    set -m
    ( set +m; set -e; "$@" ) &
    CUR_STEP=$! CUR_NAME=$name CUR_T0=$t0
    set +m
    set +e
    wait "$CUR_STEP"
    rc=$?
    set -e
    CUR_STEP=""
    if [ $rc -eq 0 ]; then
        record "$name" PASS $((SECONDS - t0))
    else
        record "$name" FAIL $((SECONDS - t0))
        say "--- $name FAILED (exit $rc)"
    fi
}

passed() {   # passed NAME...: all these steps ran and passed
    local want i found
    for want in "$@"; do
        found=0
        for i in "${!STEP_NAMES[@]}"; do
            if [ "${STEP_NAMES[$i]}" = "$want" ] && [ "${STEP_RESULTS[$i]}" = PASS ]; then
                found=1
            fi
        done
        [ $found = 1 ] || return 1
    done
}

skip() { record "$1" SKIP 0; say "=== $1 skipped (an earlier step failed)"; }

# ----------------------------------------------------------------------------
# Running commands inside the root: a cleared environment, no terminal.
ENV_PASS=()
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [ -n "${!v:-}" ]; then ENV_PASS+=("$v=${!v}"); fi
done

in_root() {   # in_root 'shell command'
    env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 TERM=dumb "${ENV_PASS[@]}" \
        chroot "$ROOT" /bin/bash -c "$1" </dev/null
}

# ----------------------------------------------------------------------------
# Processes and mounts of the root.
root_pids() {   # every process whose root directory is the root or below it
    local p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        if [ "$r" = "$ROOT" ] || [ "${r#"$ROOT"/}" != "$r" ]; then
            echo "${p#/proc/}"
        fi
    done
}

kill_root_procs() {
    local pids p
    pids=$(root_pids)
    [ -n "$pids" ] || return 0
    say "stopping processes left in the root: $(echo $pids)"
    ps -o pid=,args= -p "$(echo $pids | tr ' ' ,)" 2>/dev/null | sed 's/^/[fresh]   /' >&2 || true
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        [ -n "$(root_pids)" ] || return 0
        sleep 0.1
    done
    for p in $(root_pids); do kill -KILL "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        [ -n "$(root_pids)" ] || return 0
        sleep 0.1
    done
    say "still running in the root: $(root_pids | tr '\n' ' ')"
    return 1
}

mounts_under() {   # mount points at or below $1, deepest first
    findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r -u
}

unmount_all() {
    local t round
    for round in 1 2 3 4 5; do
        [ -n "$(mounts_under "$WORK")" ] || return 0
        while read -r t; do
            [ -n "$t" ] || continue
            umount "$t" 2>/dev/null && continue
            if [ "$round" -ge 3 ]; then
                # detached at once from the tree: nothing under WORK stays reachable
                say "umount $t busy; detaching it (umount -l)"
                umount -l "$t" 2>/dev/null || true
            fi
        done < <(mounts_under "$WORK")
        kill_root_procs || true
    done
    [ -z "$(mounts_under "$WORK")" ]
}

mount_root() {
    mountpoint -q "$ROOT/proc" || mount -t proc -o nosuid,nodev,noexec proc "$ROOT/proc"
    mountpoint -q "$ROOT/sys"  || mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$ROOT/sys"
    # a private /dev: nothing done inside can touch this host's /dev
    mountpoint -q "$ROOT/dev"  || mount -t tmpfs -o mode=755,nosuid,size=64m fresh-dev "$ROOT/dev"
    local n
    for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
        set -- $n
        [ -e "$ROOT/dev/$1" ] || mknod -m 666 "$ROOT/dev/$1" c "$2" "$3"
    done
    ln -sfn /proc/self/fd "$ROOT/dev/fd"
    ln -sfn /proc/self/fd/0 "$ROOT/dev/stdin"
    ln -sfn /proc/self/fd/1 "$ROOT/dev/stdout"
    ln -sfn /proc/self/fd/2 "$ROOT/dev/stderr"
    mkdir -p "$ROOT/dev/pts" "$ROOT/dev/shm"
    mountpoint -q "$ROOT/dev/pts" || \
        mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$ROOT/dev/pts"
    ln -sfn pts/ptmx "$ROOT/dev/ptmx"
    mountpoint -q "$ROOT/dev/shm" || mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ROOT/dev/shm"
    findmnt -rn -o TARGET,FSTYPE | awk -v d="$ROOT" 'index($1, d) == 1' | sed 's/^/[fresh]   mounted /' >&2
}

# ----------------------------------------------------------------------------
# Where this host gets Debian from.
host_sources() {   # "URI SUITE" for each enabled deb entry of this host's apt
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" {
                 i = 2
                 if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                 if (i + 1 <= NF) print $i, $(i + 1)
             }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'function flush(   n, m, a, b, U, S) {
                 if ((" " types " ") ~ /[ \t]deb[ \t]/ && enabled != "no") {
                     n = split(uris, U, /[ \t]+/); m = split(suites, S, /[ \t]+/)
                     for (a = 1; a <= n; a++) for (b = 1; b <= m; b++)
                         if (U[a] != "" && S[b] != "") print U[a], S[b]
                 }
                 types = uris = suites = enabled = last = ""
             }
             /^[ \t]*#/ { next }
             /^[ \t]*$/ { flush(); next }
             /^[ \t]/   { if (last == "uris") uris = uris " " $0
                          else if (last == "suites") suites = suites " " $0
                          next }
             { i = index($0, ":"); if (!i) next
               k = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1); last = k
               if (k == "types") types = v
               else if (k == "uris") uris = v
               else if (k == "suites") suites = v
               else if (k == "enabled") { enabled = tolower(v); gsub(/[ \t]/, "", enabled) } }
             END { flush() }' "$f"
    done
}

mirror_for() {   # mirror_for SUITE: the first URI this host uses for it
    host_sources | awk -v s="$1" '$2 == s { print $1; exit }'
}

# ----------------------------------------------------------------------------
# The steps.
s_host_tools() {
    local missing=""
    command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
    command -v git >/dev/null 2>&1 || missing="$missing git"
    if [ -n "$missing" ]; then
        say "installing on this host:$missing"
        apt-get update -q >"$LOGS/host-apt.log" 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >>"$LOGS/host-apt.log" 2>&1
    fi
    debootstrap --version >&2
    local mirror=${FRESH_MIRROR:-$(mirror_for "$SUITE")}
    if [ -z "$mirror" ]; then
        say "no '$SUITE' entry in this host's apt sources; set FRESH_MIRROR"
        return 1
    fi
    echo "$mirror" > "$STATE/mirror"
    say "mirror: $mirror (security: $(mirror_for "$SUITE-security"), updates: $(mirror_for "$SUITE-updates"))"
}

s_base_root() {
    local mirror; mirror=$(cat "$STATE/mirror")
    local want="suite=$SUITE variant=$VARIANT"
    if [ -n "$CACHE" ] && [ -d "$CACHE" ] && [ -f "$CACHE.info" ] \
            && grep -qx "$want" "$CACHE.info"; then
        if [ -n "$(mounts_under "$CACHE")" ]; then
            say "the cache $CACHE has mounts under it; not using it"; return 1
        fi
        say "copying the cached root $CACHE ($(sed -n 's/^built=//p' "$CACHE.info"))"
        cp -a "$CACHE/." "$ROOT/"
        echo cache > "$STATE/base"
        return 0
    fi
    [ -z "$CACHE" ] || [ ! -e "$CACHE" ] || say "cache $CACHE does not match ($want); building afresh, the cache is left alone"
    local keyring=()
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] \
        && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
    say "debootstrap --variant=$VARIANT $SUITE from $mirror (log: $LOGS/debootstrap.log)"
    if ! debootstrap --variant="$VARIANT" --components=main "${keyring[@]}" \
            "$SUITE" "$ROOT" "$mirror" >"$LOGS/debootstrap.log" 2>&1; then
        tail -n 30 "$LOGS/debootstrap.log" >&2
        return 1
    fi
    echo debootstrap > "$STATE/base"
    # keep a pristine copy for later runs, only when none exists yet
    if [ -n "$CACHE" ] && [ ! -e "$CACHE" ] && [ ! -e "$CACHE.info" ]; then
        if [ -n "$(mounts_under "$ROOT")" ]; then
            say "debootstrap left mounts; not caching"; return 0
        fi
        local tmp="$CACHE.partial.$$"
        say "saving the pristine root as $CACHE"
        mkdir -p "$(dirname "$CACHE")"
        cp -a "$ROOT" "$tmp"
        mv -T "$tmp" "$CACHE"
        printf '%s\nbuilt=%s\nmirror=%s\n' "$want" "$(date -u +%FT%TZ)" "$mirror" > "$CACHE.info"
    fi
}

s_configure() {
    local mirror sec upd f
    mirror=$(cat "$STATE/mirror")
    sec=$(mirror_for "$SUITE-security"); upd=$(mirror_for "$SUITE-updates")
    {
        echo "deb $mirror $SUITE main"
        [ -z "$upd" ] || echo "deb $upd $SUITE-updates main"
        [ -z "$sec" ] || echo "deb $sec $SUITE-security main"
    } > "$ROOT/etc/apt/sources.list"
    rm -f "$ROOT"/etc/apt/sources.list.d/*
    sed 's/^/[fresh]   sources.list: /' "$ROOT/etc/apt/sources.list" >&2
    # how this host reaches its mirror: proxies and Release validity settings
    for f in /etc/apt/apt.conf.d/*; do
        [ -f "$f" ] || continue
        case "$(basename "$f")" in
            *proxy*|*Proxy*) ;;
            *) grep -Eqi '^[[:space:]]*Acquire::((https?|ftp)::)?(Proxy|Check-Valid-Until|Check-Date)' "$f" || continue ;;
        esac
        cp "$f" "$ROOT/etc/apt/apt.conf.d/"
        say "copied apt setting $(basename "$f")"
    done
    # certificate authorities this host added itself (a TLS-inspecting proxy's,
    # say): ca-certificates, installed next, puts them in the system bundle
    # that apt, git, curl and Debian's node/npm use
    if [ -n "$(ls -A /usr/local/share/ca-certificates 2>/dev/null)" ]; then
        cp -a /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/"
        say "copied local CA certificates: $(cd /usr/local/share/ca-certificates && find . -name '*.crt' | sed 's#^\./##' | tr '\n' ' ')"
    fi
    rm -f "$ROOT/etc/resolv.conf"
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
    if ! grep -qs localhost "$ROOT/etc/hosts"; then
        printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"
    fi
    [ -s "$ROOT/etc/hostname" ] || echo fresh-bookworm > "$ROOT/etc/hostname"
    printf '#!/bin/sh\n# services do not start on install (as on the project machines)\nexit 101\n' \
        > "$ROOT/usr/sbin/policy-rc.d"
    chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    # root's home as on any Debian machine, and the npm registry this host uses
    install -d -m 700 "$ROOT/root"
    chmod 700 "$ROOT/root"
    if [ -f /root/.npmrc ]; then
        install -m 600 /root/.npmrc "$ROOT/root/.npmrc"
        say "copied /root/.npmrc"
    fi
    if command -v npm >/dev/null 2>&1; then
        local reg key val
        reg=$(npm config get registry 2>/dev/null || true)
        if [ -n "$reg" ] && [ "${reg%/}" != https://registry.npmjs.org ]; then
            echo "registry=$reg" >> "$ROOT/root/.npmrc"; chmod 600 "$ROOT/root/.npmrc"
            say "npm registry: $reg"
        fi
        for key in proxy https-proxy noproxy; do
            val=$(npm config get "$key" 2>/dev/null || true)
            if [ -n "$val" ] && [ "$val" != null ] && [ "$val" != undefined ]; then
                echo "$key=$val" >> "$ROOT/root/.npmrc"; chmod 600 "$ROOT/root/.npmrc"
            fi
        done
    fi
    mount_root
}

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

free_port() {
    local p
    while :; do
        p=$(shuf -i 20000-29999 -n 1)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

api() {   # api METHOD PATH [JSON] [TOKEN]: curl as the README does, inside the root
    local port; port=$(cat "$STATE/port")
    local args=(-sS -m 20 -X "$1" "http://127.0.0.1:$port$2")
    [ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' -d "$3")
    [ -z "${4:-}" ] || args+=(-H "Authorization: Bearer $4")
    if [ -x "$ROOT/usr/bin/curl" ]; then
        local q="" a
        for a in "${args[@]}"; do q+=" $(printf '%q' "$a")"; done
        in_root "curl$q"
    else
        curl "${args[@]}"
    fi
}

ok_answer() {   # ok_answer NAME FILE: "success":true in the JSON answer
    printf '[fresh]   %s -> %s\n' "$1" "$(head -c 400 "$2")" >&2
    grep -Eq '"success"[[:space:]]*:[[:space:]]*true' "$2"
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

s_health() {   # a few seconds' grace for a server that has just started
    local i
    for i in $(seq 10); do
        api GET /api/health > "$LOGS/health.json" 2>/dev/null || true
        if grep -Eq '"success"[[:space:]]*:[[:space:]]*true' "$LOGS/health.json"; then break; fi
        sleep 1
    done
    if ! ok_answer health "$LOGS/health.json"; then
        say "make run's output (errors):"
        grep -E ':(error|crit|emerg|alert)\]' "$LOGS/make-run.log" | tail -n 8 | cut -c1-400 >&2 || true
        return 1
    fi
}

s_send_otp() {
    api POST /api/auth/send-otp "{\"phone_number\": \"$PHONE\"}" > "$LOGS/send-otp.json"
    if ! ok_answer send-otp "$LOGS/send-otp.json"; then
        grep -E ':(error|crit)\]' "$LOGS/make-run.log" | tail -n 4 | cut -c1-400 >&2 || true
        return 1
    fi
}

s_verify_otp() {
    local code="" i
    for i in $(seq 50); do
        code=$(sed -n "s/.*SMS to $PHONE: Your verification code is \([0-9]\{5\}\).*/\1/p" \
               "$LOGS/make-run.log" | tail -n 1)
        [ -z "$code" ] || break
        sleep 0.2
    done
    if [ -z "$code" ]; then
        say "no 'SMS to $PHONE: Your verification code is NNNNN' line in make run's output"
        tail -n 20 "$LOGS/make-run.log" >&2; return 1
    fi
    say "code from the log: $code"
    api POST /api/auth/verify-otp "{\"phone_number\": \"$PHONE\", \"code\": \"$code\"}" \
        > "$LOGS/verify-otp.json"
    ok_answer verify-otp "$LOGS/verify-otp.json"
    grep -o '"token"[[:space:]]*:[[:space:]]*"[^"]*"' "$LOGS/verify-otp.json" \
        | sed 's/.*"\([^"]*\)"$/\1/' | head -n 1 > "$STATE/token"
    [ -s "$STATE/token" ] || { say "no token in the answer"; return 1; }
}

s_profile() {
    api GET /api/user/profile "" "$(cat "$STATE/token")" > "$LOGS/profile.json"
    ok_answer profile "$LOGS/profile.json"
}

stop_pid() {   # TERM, wait up to 10 s, then KILL
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    say "pid $pid did not stop on TERM; KILL"
    kill -KILL "$pid" 2>/dev/null || true
}

apache_master() {   # the apache2 in the root whose parent is not an apache2
    local p pp
    for p in $(root_pids); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = apache2 ] || continue
        pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || continue
        [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = apache2 ] || echo "$p"
    done
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
# Teardown (EXIT trap): processes, mounts, work folder, summary.
FINISHED=0
teardown() {
    local rc=$?
    [ $FINISHED = 0 ] || return 0
    FINISHED=1
    trap '' INT TERM
    set +e
    local t0=$SECONDS result=PASS
    say "=== teardown"
    if [ -n "$CUR_STEP" ] && kill -0 "$CUR_STEP" 2>/dev/null; then
        say "stopping the running step (process group $CUR_STEP)"
        kill -TERM -- "-$CUR_STEP" 2>/dev/null
        for _ in $(seq 50); do kill -0 -- "-$CUR_STEP" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$CUR_STEP" 2>/dev/null
        wait "$CUR_STEP" 2>/dev/null
        record "$CUR_NAME" FAIL $((SECONDS - CUR_T0))   # stopped half-way
    fi
    if [ -s "$STATE/make-run.pid" ]; then
        local pid; pid=$(cat "$STATE/make-run.pid")
        kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
    fi
    kill_root_procs || result=FAIL
    unmount_all || result=FAIL
    local left; left=$(mounts_under "$WORK")
    if [ -n "$left" ]; then
        result=FAIL
        say "STILL MOUNTED under $WORK (the folder is kept):"; echo "$left" | sed 's/^/[fresh]   /' >&2
    else
        say "findmnt: nothing mounted under $WORK"
    fi
    record teardown "$result" $((SECONDS - t0))

    local i failed=0
    for i in "${!STEP_RESULTS[@]}"; do
        [ "${STEP_RESULTS[$i]}" != FAIL ] || failed=1
    done
    [ $rc -eq 0 ] || failed=1
    local base sha
    base=$(cat "$STATE/base" 2>/dev/null || echo none)
    sha=$(cat "$STATE/sha" 2>/dev/null || true)
    local kept="removed"
    if [ -n "$left" ]; then
        kept="KEPT (mounts left; remove by hand after unmounting)"
    elif [ $failed = 1 ] && [ "${KEEP:-0}" = 1 ]; then
        kept="kept (KEEP=1)"
    else
        # never rm across a mount: checked just above, again here, and
        # --one-file-system on top
        if [ -z "$(mounts_under "$WORK")" ] && ! grep -qF " $WORK" /proc/self/mounts \
                && [ "${WORK#"$(realpath "$WORK_BASE")"/clinic-fresh.}" != "$WORK" ]; then
            rm -rf --one-file-system "$WORK"
        else
            kept="KEPT (mount check failed)"
        fi
    fi

    {
        echo
        echo "==== fresh-machine summary (Debian $SUITE, variant $VARIANT, root from $base)"
        [ -z "$sha" ] || echo "commit:      $sha"
        for i in "${!STEP_NAMES[@]}"; do
            printf '  %-4s  %-16s %6ss\n' "${STEP_RESULTS[$i]}" "${STEP_NAMES[$i]}" "${STEP_SECS[$i]}"
        done
        printf '  total                  %6ss\n' $((SECONDS - T_START))
        echo "work folder: $WORK ($kept)"
        echo "logs:        $LOGS"
        if [ $failed = 1 ]; then echo "RESULT: FAIL"; else echo "RESULT: PASS"; fi
    } | tee "$LOGS/summary.txt"
    if [ $rc -ne 0 ]; then exit $rc; fi
    if [ $failed = 1 ]; then exit 1; fi
    exit 0
}
trap teardown EXIT
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
