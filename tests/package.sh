#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package (debian/): built, checked by lintian, installed in a
# brand-new Debian 12 root and used there as an operator would.
#
#   tests/package.sh          (make package-test; as root) every step below
#   tests/package.sh build    (make package) steps 1-2 only: the .deb in build/
#
# Steps (each timed and reported PASS/FAIL/SKIP):
#   1. build: installs what is missing (dpkg-dev, debhelper, lintian, then
#      debian/control's Build-Depends with apt-get build-dep), copies the
#      sources git knows or would (tracked and untracked-not-ignored files,
#      as they are in the work tree) to build/deb/src, runs
#      `dpkg-buildpackage -us -uc -b` there (its ../ outputs land in
#      build/deb; this tree is never cleaned) and copies the .deb to build/;
#   2. lintian: fails on any error, prints the E/W/I counts;
#   3. host-tools, base-root, configure: a fresh Debian 12 root as
#      tests/fresh-machine.sh builds it (tests/lib-root.sh), from the cached
#      pristine root FRESH_CACHE when there is one;
#   4. install: `apt-get install ./libapache2-mod-clinic_*.deb` in the root,
#      its dependencies from the root's Debian mirror (Recommends included:
#      apache2, the SQLite driver), then sqlite3, curl and fail2ban;
#   5. contents: the files, conffiles, owners and modes the package
#      promises; the stock Apache configuration still passes configtest;
#      `fail2ban-client -t` passes with the shipped (disabled) jail;
#   6. site: `a2enmod clinic` (dbd comes with it), the modules the example
#      needs, a site written from the packaged example vhost (SQLite, the
#      `log` SMS driver, 127.0.0.1 on a free port), the schema loaded by
#      `clinicctl -c SITE migrate` (as root: it works as www-data, who
#      owns the folder), a first package by `clinicctl packages add`,
#      `apache2ctl configtest`;
#   7. start: `apache2ctl start`, /api/health;
#   8. send-otp, verify-otp (the code from the error log), profile;
#   9. security-log: three wrong codes; the site's ClinicSecurityLog (the
#      example's) is the packaged jail's logpath, under /var/log/apache2
#      (Apache's logrotate rule), and fail2ban-regex with the packaged
#      filter matches the three lines there;
#  10. stop-server: the apache2 master by its pid file, then nothing left;
#  11. remove: `apt-get remove` (not purge) with the site still enabled,
#      then `apache2ctl configtest` passes.
# The teardown stops whatever still runs in the root, unmounts and removes
# it, also on failure or Ctrl-C; a summary ends with RESULT: PASS or FAIL.
#
# How long, on 2 cores, from the cached root: 1.5 minutes on a quiet
# machine, 4 on a busy one (measured), most of it the build and the
# installs in the root.
#
# Environment: FRESH_CACHE (default /var/tmp/clinic-bookworm-base; empty
# for a new debootstrap each time), FRESH_WORK_BASE, FRESH_MIRROR,
# FRESH_VARIANT and KEEP=1 as for tests/fresh-machine.sh; PACKAGE_LOGS=DIR
# for the logs (default /var/tmp/clinic-package-logs/DATE-TIME).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "package: run as root (apt-get, debootstrap, chroot and mount need it)" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
MODE=${1:-test}
case "$MODE" in test|build) ;; *) echo "usage: $0 [build]" >&2; exit 2;; esac
SUITE=bookworm
VARIANT=${FRESH_VARIANT:-minbase}
WORK_BASE=${FRESH_WORK_BASE:-/var/tmp}
LOGS=${PACKAGE_LOGS:-/var/tmp/clinic-package-logs/$(date +%Y%m%d-%H%M%S)}
CACHE=${FRESH_CACHE-/var/tmp/clinic-bookworm-base}
CACHE=${CACHE%/}
PHONE=+96550000001
PKG=libapache2-mod-clinic
SHARE=/usr/share/$PKG
DATA=/var/lib/$PKG
ROOT_TAG=package
WORK_PREFIX=clinic-package

. "$here/lib-root.sh"
. "$here/lib-login.sh"
root_init
SERVER_LOG="$ROOT/var/log/apache2/error.log"
SERVER_DESC="Apache's error log in the root"
DEB_DIR="$top/build/deb"

# ----------------------------------------------------------------------------
# On this host: the package and lintian.
s_build() {
    local need="dpkg-dev debhelper"
    [ "$MODE" = build ] || need="$need lintian"
    make --no-print-directory -C "$top" install-missing INSTALL_PKGS="$need" >&2
    rm -rf "$DEB_DIR"
    mkdir -p "$DEB_DIR/src"
    (cd "$top" && git ls-files -z --cached --others --exclude-standard) \
        | (cd "$top" && while IFS= read -r -d '' f; do
               if [ -e "$f" ]; then printf '%s\0' "$f"; fi
           done) \
        | tar -C "$top" --null -T - -cf - | tar -C "$DEB_DIR/src" -xf -
    cd "$DEB_DIR/src"
    if ! dpkg-checkbuilddeps 2>/dev/null; then
        say "installing the Build-Depends of debian/control"
        DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q ./ >"$LOGS/build-deps.log" 2>&1 \
            || { tail -n 20 "$LOGS/build-deps.log" >&2; return 1; }
    fi
    say "dpkg-buildpackage -us -uc -b in $DEB_DIR/src (log: $LOGS/build.log)"
    if ! dpkg-buildpackage -us -uc -b >"$LOGS/build.log" 2>&1; then
        tail -n 40 "$LOGS/build.log" >&2
        return 1
    fi
    # the two builds, with dpkg-buildflags' flags
    grep -E '^/usr/bin/make .*(_all|_clinicctl)' "$LOGS/build.log" | cut -c1-230 \
        | sed "s/^/[$ROOT_TAG]   /" >&2 || true
    local deb
    deb=$(ls "$DEB_DIR"/${PKG}_*.deb)
    cp "$deb" "$top/build/"
    echo "$top/build/$(basename "$deb")" > "$STATE/deb"
    say "built $top/build/$(basename "$deb")"
    dpkg-deb --info "$deb" | sed -n 's/^ \(Version\|Depends\|Recommends\|Suggests\|Installed-Size\):/\1:/p' \
        | sed "s/^/[$ROOT_TAG]   /" >&2
    dpkg-deb --contents "$deb" | awk '{print $6}' > "$LOGS/contents.txt"
}

s_lintian() {
    local deb rc=0 e w i o
    deb=$(cat "$STATE/deb")
    # overridden tags (debian/*.lintian-overrides, each with its reason)
    # are shown and counted too
    lintian --display-info --show-overrides --fail-on error "$deb" \
        >"$LOGS/lintian.log" 2>&1 || rc=$?
    grep -v 'running with root privileges' "$LOGS/lintian.log" | sed "s/^/[$ROOT_TAG]   /" >&2 || true
    e=$(grep -c '^E: ' "$LOGS/lintian.log" || true)
    w=$(grep -c '^W: ' "$LOGS/lintian.log" || true)
    i=$(grep -c '^I: ' "$LOGS/lintian.log" || true)
    o=$(grep -c '^O: ' "$LOGS/lintian.log" || true)
    echo "lintian: $e errors, $w warnings, $i info, $o overridden (exit $rc)" > "$STATE/lintian"
    say "$(cat "$STATE/lintian")"
    [ "$rc" -eq 0 ] && [ "$e" -eq 0 ]
}

# ----------------------------------------------------------------------------
# In the root: install, look, configure, serve.
s_install() {
    local deb; deb=$(cat "$STATE/deb")
    cp "$deb" "$ROOT/tmp/"
    say "apt-get install /tmp/$(basename "$deb") (log: $LOGS/install.log)"
    in_root "set -e
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/$(basename "$deb")
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            sqlite3 curl fail2ban" >"$LOGS/install.log" 2>&1 \
        || { tail -n 30 "$LOGS/install.log" >&2; return 1; }
    grep -iE 'clinic|apache2-api|enabling|Setting up (apache2|libaprutil1-dbd)' "$LOGS/install.log" \
        | cut -c1-160 | sed "s/^/[$ROOT_TAG]   /" >&2 || true
}

s_contents() {
    # each check prints ok/FAIL; all are run, the step fails if one did
    in_root "set -o pipefail
        cd /
        bad=0
        ck() { if eval \"\$2\" >/tmp/ck.out 2>&1; then echo \"ok    \$1\"
               else echo \"FAIL  \$1\"; sed 's/^/        /' /tmp/ck.out; bad=1; fi; }
        for f in /usr/lib/apache2/modules/mod_clinic.so \
                 /etc/apache2/mods-available/clinic.load /etc/apache2/mods-available/clinic.conf \
                 /etc/apache2/conf-available/clinic-cors.conf \
                 /etc/fail2ban/filter.d/clinic.conf /etc/fail2ban/jail.d/clinic.conf \
                 $SHARE/schema/sqlite.sql $SHARE/schema/mysql.sql \
                 $SHARE/schema/migrations/003-payments.sqlite.sql \
                 /usr/sbin/clinicctl /usr/share/man/man8/clinicctl.8.gz \
                 /usr/share/doc/$PKG/examples/clinic-vhost.conf \
                 /usr/share/doc/$PKG/README.md.gz /usr/share/doc/$PKG/README.Debian \
                 /usr/share/doc/$PKG/changelog.gz /usr/share/doc/$PKG/copyright; do
            ck \"\$f\" \"test -e \$f\"
        done
        ck '$SHARE/schema/migrations/*.sql' 'ls $SHARE/schema/migrations/*.sql'
        if [ -e /usr/sbin/clinicctl ]; then
            ck '/usr/sbin/clinicctl and its man page' 'test -e /usr/share/man/man8/clinicctl.8.gz'
            ck 'clinicctl version' 'clinicctl version'
        else
            echo 'note  no clinicctl in this package (the source has no _clinicctl target)'
        fi
        echo \"conffiles: \$(dpkg-query -W -f='\${Conffiles}' $PKG | awk 'NF {print \$1}' | tr '\n' ' ')\"
        ck 'the 5 files under /etc are conffiles' \
           \"[ \\\$(dpkg-query -W -f='\\\${Conffiles}' $PKG | awk 'NF' | wc -l) -eq 5 ]\"
        ck \"$DATA: \$(stat -c '%U:%G %a' $DATA)\" '[ \"\$(stat -c %U:%a $DATA)\" = www-data:750 ]'
        ck \"jwt.key: \$(stat -c '%U %a' /etc/apache2/clinic/jwt.key)\" \
           '[ \"\$(stat -c %U:%a /etc/apache2/clinic/jwt.key)\" = root:600 ]'
        ck \"otp.key: \$(stat -c '%U %a' /etc/apache2/clinic/otp.key)\" \
           '[ \"\$(stat -c %U:%a /etc/apache2/clinic/otp.key)\" = root:600 ]'
        echo \"module after install: \$(a2query -m clinic 2>&1 || true)\"
        ck 'clinic-cors.conf not enabled' '! a2query -q -c clinic-cors'
        ck 'the jail is shipped disabled' \"grep -qx 'enabled  *= *false' /etc/fail2ban/jail.d/clinic.conf\"
        ck 'the stock configuration with the module loaded: configtest' 'apache2ctl configtest'
        # fail2ban with the jail as shipped and no log file for it (nor for
        # the stock sshd jail, which this root lacks too), then switched on
        # as the jail file says, once its log exists
        printf '[sshd]\nenabled = false\n' > /etc/fail2ban/jail.d/zz-test-sshd.local
        ck 'fail2ban-client -t, no clinic-security.log' \
           'test ! -e /var/log/apache2/clinic-security.log && fail2ban-client -t'
        touch /var/log/apache2/clinic-security.log
        printf '[clinic]\nenabled = true\n' > /etc/fail2ban/jail.d/clinic.local
        ck 'fail2ban-client -t, jail enabled in clinic.local' 'fail2ban-client -t'
        rm -f /etc/fail2ban/jail.d/clinic.local /etc/fail2ban/jail.d/zz-test-sshd.local
        exit \$bad" 2>&1 | sed "s/^/[$ROOT_TAG]   /" >&2
}

s_site() {
    local port; port=$(free_port)
    echo "$port" > "$STATE/port"
    say "site from the packaged example on 127.0.0.1:$port"
    in_root "set -e
        a2enmod clinic
        for m in dbd clinic; do a2query -q -m \$m || { echo \"\$m not enabled\"; exit 1; }; done
        a2enmod headers setenvif rewrite remoteip reqtimeout
        a2dissite 000-default
        echo 'Listen 127.0.0.1:$port' > /etc/apache2/ports.conf
        ex=/usr/share/doc/$PKG/examples/clinic-vhost.conf
        site=/etc/apache2/sites-available/clinic-api.conf
        sed -e 's|^<VirtualHost \*:443>|<VirtualHost 127.0.0.1:$port>|' \
            -e 's|^\(    ServerName \).*|\1127.0.0.1\n    <IfModule clinic_module>\n        LogLevel warn clinic:notice\n    </IfModule>|' \
            -e 's|^    DBDriver mysql|    DBDriver sqlite3|' \
            -e 's|^    DBDParams .*|    DBDParams \"$DATA/clinic.db\"|' \
            -e 's|^    DBDInitSQL \"SET NAMES utf8mb4\"|    DBDInitSQL \"PRAGMA busy_timeout = 200\"|' \
            -e 's|^\( *\)ClinicSMSDriver http|\1ClinicSMSDriver log|' \
            -e '/^ *ClinicSMS\(URL\|Header\|Body\|Message\) /d' \
            \"\$ex\" > \"\$site\"
        for want in '<VirtualHost 127.0.0.1:$port>' 'DBDriver sqlite3' 'ClinicSMSDriver log' \
                    'PRAGMA busy_timeout' 'ClinicSecurityLog /var/log/apache2/clinic-security.log' \
                    'Include /etc/apache2/conf-available/clinic-cors.conf'; do
            grep -qF \"\$want\" \"\$site\" || { echo \"the example changed: no '\$want' in \$site\"; exit 1; }
        done
        diff -u \"\$ex\" \"\$site\" || true
        a2ensite clinic-api
        db=$DATA/clinic.db
        # as an operator would: clinicctl reads the database from the site
        # (its default schema dir is the package's) and, run as root,
        # works as www-data, who owns the folder
        clinicctl -c \"\$site\" migrate
        clinicctl -c \"\$site\" packages add --name 'Monthly care' --price 25 --days 30
        clinicctl -c \"\$site\" packages list
        clinicctl -c \"\$site\" stats
        ls -l \"\$db\"
        test \"\$(stat -c %U \"\$db\")\" = www-data
        apache2ctl configtest" >"$LOGS/site.log" 2>&1 \
        || { sed "s/^/[$ROOT_TAG]   /" "$LOGS/site.log" >&2; return 1; }
    grep -vE '^(To activate|  (service|systemctl)|Enabling|Considering|Module .* already)' "$LOGS/site.log" \
        | sed "s/^/[$ROOT_TAG]   /" >&2
}

s_start() {
    in_root 'apache2ctl start' >"$LOGS/start.log" 2>&1 \
        || { sed "s/^/[$ROOT_TAG]   /" "$LOGS/start.log" >&2; return 1; }
    local i
    for i in $(seq 30); do
        if api GET /api/health > "$LOGS/health.json" 2>/dev/null \
                && grep -q '"success"' "$LOGS/health.json"; then
            say "serving after ${i}s: apache2 master $(cat "$ROOT/run/apache2/apache2.pid")"
            return
        fi
        sleep 1
    done
    say "no answer from /api/health in 30s"; tail -n 20 "$SERVER_LOG" >&2; return 1
}

s_stop_server() {
    local pid="" master
    pid=$(cat "$ROOT/run/apache2/apache2.pid" 2>/dev/null || true)
    master=$(apache_master | head -n 1)
    if [ -n "$pid" ]; then
        say "stopping apache2 (pid $pid, from /run/apache2/apache2.pid)"
        [ "$pid" = "$master" ] || say "note: the apache2 master in the root is ${master:-none}"
        stop_pid "$pid"
    elif [ -n "$master" ]; then
        say "no pid file; stopping the apache2 master $master"; stop_pid "$master"
    else
        say "no apache2 running in the root"
    fi
    local left; left=$(root_pids)
    if [ -n "$left" ]; then
        say "still running in the root after stopping apache2: $(echo $left)"; return 1
    fi
    if grep -E ':(error|crit|emerg|alert)\]' "$SERVER_LOG" >"$LOGS/errors.txt"; then
        say "errors in Apache's log:"; cut -c1-300 "$LOGS/errors.txt" >&2
    fi
}

# The example's security log is the file the packaged jail reads, and it
# fills: a few wrong codes, then fail2ban-regex with the packaged filter
# on the jail's logpath.
s_security_log() {
    local i
    for i in 1 2 3; do
        api POST /api/auth/verify-otp \
            "{\"phone_number\": \"$PHONE\", \"code\": \"00000\"}" >/dev/null
    done
    in_root "set -e
        site=/etc/apache2/sites-available/clinic-api.conf
        module=\$(sed -n 's|^ *ClinicSecurityLog *||p' \$site)
        jail=\$(sed -n 's|^logpath *= *||p' /etc/fail2ban/jail.d/clinic.conf)
        echo \"ClinicSecurityLog: \$module\"
        echo \"the jail's logpath: \$jail\"
        [ \"\$module\" = \"\$jail\" ] || { echo 'they differ'; exit 1; }
        case \"\$jail\" in /var/log/apache2/*.log) ;;
            *) echo 'not under /var/log/apache2/*.log (logrotate)'; exit 1;; esac
        grep -qF '/var/log/apache2/*.log' /etc/logrotate.d/apache2
        tail -n 3 \"\$jail\"
        fail2ban-regex \"\$jail\" /etc/fail2ban/filter.d/clinic.conf > /tmp/f2b.out
        grep -E '^(Lines|Failregex):' /tmp/f2b.out
        n=\$(sed -n 's/^Lines: .* \([0-9][0-9]*\) matched.*/\1/p' /tmp/f2b.out)
        [ \"\${n:-0}\" -ge 3 ] || { echo \"fail2ban-regex matched \${n:-0} lines, not 3\"; exit 1; }
    " >"$LOGS/security-log.log" 2>&1 || { sed "s/^/[$ROOT_TAG]   /" "$LOGS/security-log.log" >&2; return 1; }
    sed "s/^/[$ROOT_TAG]   /" "$LOGS/security-log.log" >&2
}

# `apt remove` (not purge) with the site still enabled: the module and
# its .load go, the site and the conffiles stay, and Apache still starts.
s_remove() {
    in_root "set -e
        DEBIAN_FRONTEND=noninteractive apt-get remove -y -q $PKG
        a2query -s clinic-api
        echo \"module after remove: \$(a2query -m clinic 2>&1 || true)\"
        test ! -e /usr/lib/apache2/modules/mod_clinic.so
        apache2ctl configtest" >"$LOGS/remove.log" 2>&1 \
        || { tail -n 20 "$LOGS/remove.log" | sed "s/^/[$ROOT_TAG]   /" >&2; return 1; }
    grep -E 'Removing|a2query|module after|clinic-api|Syntax' "$LOGS/remove.log" \
        | sed "s/^/[$ROOT_TAG]   /" >&2 || true
}

# ----------------------------------------------------------------------------
root_summary_head() {
    [ ! -s "$STATE/deb" ] || echo "package:     $(cat "$STATE/deb")"
    [ ! -s "$STATE/lintian" ] || cat "$STATE/lintian"
}
trap 'root_teardown $? package' EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

say "work folder $WORK, logs $LOGS"

step build s_build
if [ "$MODE" = build ]; then exit 0; fi
if passed build; then step lintian s_lintian; else skip lintian; fi
step host-tools s_host_tools
if passed host-tools; then step base-root s_base_root; else skip base-root; fi
if passed base-root; then step configure s_configure; else skip configure; fi
if passed configure build; then step install s_install; else skip install; fi
if passed install; then
    step contents s_contents
    step site s_site
    if passed site; then step start s_start; else skip start; fi
    if passed start; then step send-otp s_send_otp; else skip send-otp; fi
    if passed send-otp; then step verify-otp s_verify_otp; else skip verify-otp; fi
    if passed verify-otp; then step profile s_profile; else skip profile; fi
    if passed start; then step security-log s_security_log; else skip security-log; fi
    step stop-server s_stop_server
    if passed stop-server site; then step remove s_remove; else skip remove; fi
else
    for s in contents site start send-otp verify-otp profile security-log \
             stop-server remove; do skip "$s"; done
fi
exit 0
