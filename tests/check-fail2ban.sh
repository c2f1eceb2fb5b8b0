#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped fail2ban filter against a security log.
#   tests/check-fail2ban.sh             the committed sample: exactly the 3 wrong
#                                       codes, 1 refused request, 1 bad payment
#                                       and 1 bad WhatsApp notification
#                                       signature, IPv4 and IPv6
#   tests/check-fail2ban.sh LOG         a live log: every otp_verify_failed,
#                                       rate_limited, payment_signature_invalid and
#                                       whatsapp_signature_invalid
#                                       line, and nothing else
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
filter="$top/conf/fail2ban/filter.d/clinic.conf"
log="${1:-$top/tests/fail2ban/sample.log}"

out=$(fail2ban-regex --print-all-matched "$log" "$filter")
matched=$(printf '%s\n' "$out" | sed -n 's/^Lines: .* \([0-9][0-9]*\) matched.*/\1/p')
expected=$(grep -cE '"event":"(otp_verify_failed|rate_limited|payment_signature_invalid|whatsapp_signature_invalid)"' "$log" || true)
if [ "$matched" != "$expected" ]; then
    printf '%s\n' "$out" >&2
    echo "fail2ban filter: $matched lines matched, expected $expected ($log)" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    [ "$matched" -eq 6 ] || { echo "fail2ban filter: the sample has 6 events to ban on" >&2; exit 1; }
    printf '%s\n' "$out" | grep -q '192.0.2.66' || { echo "fail2ban filter: a bad notification signature not matched" >&2; exit 1; }
    printf '%s\n' "$out" | grep -q '198.51.100.23' || { echo "fail2ban filter: a bad WhatsApp signature not matched" >&2; exit 1; }
    printf '%s\n' "$out" | grep -q '2001:db8::17' || { echo "fail2ban filter: IPv6 not matched" >&2; exit 1; }
fi
echo "fail2ban filter: $matched of $(wc -l < "$log") lines matched, as expected"
