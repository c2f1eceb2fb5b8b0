# SPDX-License-Identifier: Apache-2.0
# tests/lib-root.sh: a brand-new Debian 12 root for the tests that need a
# fresh machine (tests/fresh-machine.sh, tests/package.sh); sourced, bash.
#
# The caller sets ROOT_TAG (its log lines' tag), WORK_PREFIX (the work
# folder's name before its random part), SUITE, VARIANT, WORK_BASE, LOGS
# and CACHE (fresh-machine.sh documents them), then calls root_init, which
# makes WORK, ROOT and STATE.  The steps s_host_tools, s_base_root (a
# debootstrap, or a copy of the cached pristine root CACHE) and s_configure
# (apt, registries, policy-rc.d, mounts) build the root; root_teardown, in
# the caller's EXIT trap, stops what runs in it, unmounts, removes the work
# folder and prints the summary.

say() { printf '[%s] %s\n' "$ROOT_TAG" "$*" >&2; }

root_init() {
    T_START=$SECONDS
    mkdir -p "$LOGS"
    LOGS=$(cd "$LOGS" && pwd)
    mkdir -p "$WORK_BASE"
    WORK=$(mktemp -d "$(cd "$WORK_BASE" && pwd)/$WORK_PREFIX.XXXXXX")
    WORK=$(realpath "$WORK")
    ROOT="$WORK/root"          # realpath'd: /proc/PID/root is compared with it
    STATE="$WORK/state"        # what steps (run in subshells) hand on
    mkdir -p "$ROOT" "$STATE"
}

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
    ps -o pid=,args= -p "$(echo $pids | tr ' ' ,)" 2>/dev/null | sed "s/^/[$ROOT_TAG]   /" >&2 || true
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
    findmnt -rn -o TARGET,FSTYPE | awk -v d="$ROOT" 'index($1, d) == 1' | sed "s/^/[$ROOT_TAG]   mounted /" >&2
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
    sed "s/^/[$ROOT_TAG]   sources.list: /" "$ROOT/etc/apt/sources.list" >&2
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

# ----------------------------------------------------------------------------
# Servers started inside the root.
free_port() {
    local p
    while :; do
        p=$(shuf -i 20000-29999 -n 1)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
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

# ----------------------------------------------------------------------------
# Teardown (the caller's EXIT trap): processes, mounts, work folder, summary.
# The caller may define root_teardown_first (run before the root's processes
# are stopped) and root_summary_head (more lines under the summary's title).
FINISHED=0
root_teardown() {   # root_teardown RC NAME
    local rc=$1 name=$2
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
    [ "$(type -t root_teardown_first)" != function ] || root_teardown_first
    kill_root_procs || result=FAIL
    unmount_all || result=FAIL
    local left; left=$(mounts_under "$WORK")
    if [ -n "$left" ]; then
        result=FAIL
        say "STILL MOUNTED under $WORK (the folder is kept):"; echo "$left" | sed "s/^/[$ROOT_TAG]   /" >&2
    else
        say "findmnt: nothing mounted under $WORK"
    fi
    record teardown "$result" $((SECONDS - t0))

    local i failed=0
    for i in "${!STEP_RESULTS[@]}"; do
        [ "${STEP_RESULTS[$i]}" != FAIL ] || failed=1
    done
    [ $rc -eq 0 ] || failed=1
    local base
    base=$(cat "$STATE/base" 2>/dev/null || echo none)
    local kept="removed"
    if [ -n "$left" ]; then
        kept="KEPT (mounts left; remove by hand after unmounting)"
    elif [ $failed = 1 ] && [ "${KEEP:-0}" = 1 ]; then
        kept="kept (KEEP=1)"
    else
        # never rm across a mount: checked just above, again here, and
        # --one-file-system on top
        if [ -z "$(mounts_under "$WORK")" ] && ! grep -qF " $WORK" /proc/self/mounts \
                && [ "${WORK#"$(realpath "$WORK_BASE")"/"$WORK_PREFIX".}" != "$WORK" ]; then
            rm -rf --one-file-system "$WORK"
        else
            kept="KEPT (mount check failed)"
        fi
    fi

    {
        echo
        echo "==== $name summary (Debian $SUITE, variant $VARIANT, root from $base)"
        [ "$(type -t root_summary_head)" != function ] || root_summary_head
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
