#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/check-version.sh: the newest CHANGELOG.md entry names the version
# the module is built with (core/version.h), the one number /api/version
# answers and make dist names its tarball with; the Debian package's newest
# debian/changelog entry carries it as its upstream version (0.2.0-1), and
# clinicctl's man page names it (clinicctl prints the same, built in).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
built=$(sed -n 's/^#define CLINIC_VERSION "\(.*\)"$/\1/p' "$top/core/version.h")
logged=$(sed -n 's/^## \([0-9][0-9.]*\) .*/\1/p' "$top/CHANGELOG.md" | head -n 1)
if [ -z "$built" ] || [ "$built" != "$logged" ]; then
    echo "version: core/version.h says '$built', CHANGELOG.md's newest entry '$logged'" >&2
    exit 1
fi
# "libapache2-mod-clinic (EPOCH:UPSTREAM-REVISION) ...": UPSTREAM
packaged=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog" 2>/dev/null || true)
upstream=${packaged#*:}
upstream=${upstream%-*}
if [ "$built" != "$upstream" ]; then
    echo "version: core/version.h says '$built', debian/changelog's newest entry '$packaged'" >&2
    exit 1
fi
# clinicctl's man page: .TH CLINICCTL 8 "DATE" "mod_clinic VERSION" ...
manned=$(sed -n 's/^\.TH CLINICCTL 8 "[^"]*" "mod_clinic \([^"]*\)".*/\1/p' "$top/docs/clinicctl.8")
if [ "$built" != "$manned" ]; then
    echo "version: core/version.h says '$built', docs/clinicctl.8 '$manned'" >&2
    exit 1
fi
echo "version: $built in core/version.h, CHANGELOG.md, debian/changelog ($packaged) and docs/clinicctl.8"
