#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/check-openapi.sh: docs/openapi.yaml is a valid OpenAPI 3.1
# document with exactly the routes of the module's route table (routes[]
# in mod_clinic.c; a trailing '*' is one path parameter), both ways, an
# OPTIONS operation on every path, and the module's version.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
doc="$top/docs/openapi.yaml"
work=$(mktemp -d /tmp/clinic-openapi.XXXXXX)
trap 'rm -rf "$work"' EXIT

sed -n '/^static const clinic_route_t routes\[\] = {/,/^};/p' "$top/mod_clinic.c" \
    | sed -n 's/^ *{ *"\([A-Z]*\)", *"\([^"]*\)",.*/\1 \2/p' | sort > "$work/table"
[ -s "$work/table" ] || { echo "openapi: no route found in routes[] of mod_clinic.c" >&2; exit 1; }
"$top/tests/openapi/run.sh" "$doc" --operations > "$work/operations"
grep -v '^OPTIONS ' "$work/operations" | sed 's#{[^}/]*}#*#g' | sort > "$work/doc"
if ! diff -u --label "routes[] (mod_clinic.c)" --label docs/openapi.yaml \
        "$work/table" "$work/doc" >&2; then
    echo "openapi: the route table and docs/openapi.yaml disagree (above)" >&2
    exit 1
fi
# the module answers a plain OPTIONS on every route
cut -d' ' -f2 "$work/operations" | sort -u > "$work/paths"
sed -n 's/^OPTIONS //p' "$work/operations" | sort -u > "$work/options"
if ! diff -u --label paths --label "paths with OPTIONS" "$work/paths" "$work/options" >&2; then
    echo "openapi: a path of docs/openapi.yaml has no OPTIONS operation (above)" >&2
    exit 1
fi
built=$(sed -n 's/^#define CLINIC_VERSION "\(.*\)"$/\1/p' "$top/core/version.h")
documented=$(sed -n '/^info:/,/^[a-z]/s/^  version: *\(.*\)$/\1/p' "$doc")
if [ -z "$built" ] || [ "$built" != "$documented" ]; then
    echo "openapi: core/version.h says '$built', docs/openapi.yaml's info.version '$documented'" >&2
    exit 1
fi
echo "openapi: $(wc -l < "$work/table") routes in routes[] and docs/openapi.yaml, version $built"
