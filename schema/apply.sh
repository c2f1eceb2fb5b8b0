#!/bin/sh
# Bring a clinic database to the schema this checkout's module needs: the
# base schema when it has none, then every migration above its version, in
# order.  The SQL client comes after the kind and reads from standard input:
#   schema/apply.sh sqlite sqlite3 /var/lib/clinic/clinic.db
#   schema/apply.sh mysql mariadb -uroot clinic
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kind=$1; shift
case "$kind" in mysql|sqlite) ;; *) echo "usage: $0 mysql|sqlite CLIENT ARGS..." >&2; exit 2;; esac
version=$(echo "SELECT version FROM clinic_schema;" | "$@" 2>/dev/null | tr -dc '0-9' || true)
if [ -z "$version" ]; then
    "$@" < "$here/$kind.sql" > /dev/null
    version=1
fi
for m in "$here"/migrations/[0-9][0-9][0-9]-*."$kind".sql; do
    [ -e "$m" ] || continue
    n=$(basename "$m" | cut -c1-3 | sed 's/^0*//')
    if [ "$n" -gt "$version" ]; then
        "$@" < "$m" > /dev/null
        echo "applied $(basename "$m")"
    fi
done
