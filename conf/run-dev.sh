#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make run: build is done by make; this prepares run/ and starts Apache in
# the foreground on http://127.0.0.1:8080 with SQLite and the log SMS driver.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
port="${CLINIC_PORT:-8080}"

# httpd's children run as www-data and open the database (and its journal
# beside it).  A checkout in /root (mode 700), or in any folder www-data
# can't enter, can't hold it: then the runtime folder lives under
# /var/lib/mod_clinic, one per checkout.
run="$top/run"
mkdir -p "$run"
chown www-data:www-data "$run"
if ! runuser -u www-data -- test -w "$run" 2>/dev/null; then
    run="/var/lib/mod_clinic/dev-$(printf '%s' "$top" | sha256sum | cut -c1-12)"
    mkdir -p "$run"
    chown www-data:www-data "$run"
    chmod 755 /var/lib/mod_clinic
    echo "the Apache user can't reach $top: runtime folder $run"
fi

# the operator's tool: the schema (a database from an older checkout gets
# the migrations it lacks), and a first package
ctl=("$top/build/clinicctl" --schema-dir "$top/schema" --driver sqlite3 --params "$run/clinic.db")
if [ ! -s "$run/clinic.db" ]; then
    "${ctl[@]}" migrate > /dev/null
    "${ctl[@]}" packages add --name "Monthly care package" --price 25 --days 30 \
        --description "Unlimited consultations for 30 days" > /dev/null
    echo "created $run/clinic.db (schema + one package)"
else
    "${ctl[@]}" migrate
fi
# the Apache user writes the database and, beside it, its journal
chown -R www-data:www-data "$run"
if [ ! -s "$run/jwt.key" ]; then
    (umask 077; head -c 48 /dev/urandom | base64 > "$run/jwt.key")
fi
chown root:root "$run/jwt.key"
chmod 600 "$run/jwt.key"

subst() {
    sed -e "s#@RUN@#$run#g" -e "s#@CONF@#$run#g" -e "s#@PORT@#$port#g" \
        -e "s#@MODULE@#$top/.libs/mod_clinic.so#g" \
        -e "s#@ERRORLOG@#/dev/stderr#g" "$1"
}
subst "$top/conf/common.conf.in" > "$run/common.conf"
subst "$top/conf/dev.conf.in" > "$run/httpd.conf"

apache2 -t -f "$run/httpd.conf"
cat <<MSG

mod_clinic on http://127.0.0.1:$port  (Ctrl-C stops it; codes appear below)

  curl -s http://127.0.0.1:$port/api/health
  curl -s http://127.0.0.1:$port/api/packages/available
  curl -s -X POST http://127.0.0.1:$port/api/auth/send-otp \\
       -H 'Content-Type: application/json' -d '{"phone_number": "+96550000001"}'
  curl -s -X POST http://127.0.0.1:$port/api/auth/verify-otp \\
       -H 'Content-Type: application/json' \\
       -d '{"phone_number": "+96550000001", "code": "<code from the log>"}'
  curl -s http://127.0.0.1:$port/api/user/profile -H 'Authorization: Bearer <token>'

  ${ctl[*]} packages list

MSG
exec apache2 -f "$run/httpd.conf" -DFOREGROUND
