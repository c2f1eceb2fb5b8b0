#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/check-directives.sh: docs/directives.md describes exactly the
# directives of the module's command table, as `apache2 -L` lists them
# from the built module, each with the manual's fields.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
module=${CLINIC_MODULE:-$top/.libs/mod_clinic.so}
work=$(mktemp -d /tmp/clinic-directives.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat > "$work/httpd.conf" <<CONF
ServerRoot "$work"
ServerName localhost
ErrorLog /dev/null
PidFile "$work/httpd.pid"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
LoadModule clinic_module "$module"
CONF
apache2 -f "$work/httpd.conf" -L | awk '/^Clinic/ { print $1 }' | sort > "$work/table"
[ -s "$work/table" ] || { echo "directives: apache2 -L listed no Clinic directive" >&2; exit 1; }
doc="$top/docs/directives.md"
sed -n 's/^## \(Clinic[A-Za-z0-9]*\) Directive$/\1/p' "$doc" | sort > "$work/doc"
if ! diff -u --label "command table" --label docs/directives.md "$work/table" "$work/doc" >&2; then
    echo "directives: the command table and docs/directives.md disagree (above)" >&2
    exit 1
fi
# every directive's section has each field of the manual's summary table
awk '/^## Clinic/ { if (name && n != 6) { print name; bad = 1 } name = $2; n = 0 }
     /^\| (Description|Syntax|Default|Context|Status|Module): \|/ { n++ }
     END { if (name && n != 6) { print name; bad = 1 } exit bad }' "$doc" > "$work/short" || {
    echo "directives: sections without all six fields: $(tr '\n' ' ' < "$work/short")" >&2
    exit 1
}
echo "directives: $(wc -l < "$work/table") in the command table, all in docs/directives.md"
