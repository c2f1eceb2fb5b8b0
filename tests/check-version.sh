#!/usr/bin/env bash
# tests/check-version.sh: the newest CHANGELOG.md entry names the version
# the module is built with (modules/version.h), the one number /api/version
# answers and make dist names its tarball with.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
built=$(sed -n 's/^#define CLINIC_VERSION "\(.*\)"$/\1/p' "$top/modules/version.h")
logged=$(sed -n 's/^## \([0-9][0-9.]*\) .*/\1/p' "$top/CHANGELOG.md" | head -n 1)
if [ -z "$built" ] || [ "$built" != "$logged" ]; then
    echo "version: modules/version.h says '$built', CHANGELOG.md's newest entry '$logged'" >&2
    exit 1
fi
echo "version: $built in modules/version.h and CHANGELOG.md"
