# SPDX-License-Identifier: Apache-2.0
# tests/lib-login.sh: the README's login, by curl inside a fresh root
# (tests/lib-root.sh), against a server on 127.0.0.1:$(cat $STATE/port);
# sourced, bash.  The caller sets PHONE, SERVER_LOG (the file, seen from
# this host, where the `log` SMS driver writes the codes) and SERVER_DESC
# (what that file is, for messages).

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
    printf '[%s]   %s -> %s\n' "$ROOT_TAG" "$1" "$(head -c 400 "$2")" >&2
    grep -Eq '"success"[[:space:]]*:[[:space:]]*true' "$2"
}

s_health() {   # a few seconds' grace for a server that has just started
    local i
    for i in $(seq 10); do
        api GET /api/health > "$LOGS/health.json" 2>/dev/null || true
        if grep -Eq '"success"[[:space:]]*:[[:space:]]*true' "$LOGS/health.json"; then break; fi
        sleep 1
    done
    if ! ok_answer health "$LOGS/health.json"; then
        say "$SERVER_DESC (errors):"
        grep -E ':(error|crit|emerg|alert)\]' "$SERVER_LOG" | tail -n 8 | cut -c1-400 >&2 || true
        return 1
    fi
}

s_send_otp() {
    api POST /api/auth/send-otp "{\"phone_number\": \"$PHONE\"}" > "$LOGS/send-otp.json"
    if ! ok_answer send-otp "$LOGS/send-otp.json"; then
        grep -E ':(error|crit)\]' "$SERVER_LOG" | tail -n 4 | cut -c1-400 >&2 || true
        return 1
    fi
}

s_verify_otp() {
    local code="" i
    for i in $(seq 50); do
        code=$(sed -n "s/.*SMS to $PHONE: Your verification code is \([0-9]\{5\}\).*/\1/p" \
               "$SERVER_LOG" | tail -n 1)
        [ -z "$code" ] || break
        sleep 0.2
    done
    if [ -z "$code" ]; then
        say "no 'SMS to $PHONE: Your verification code is NNNNN' line in $SERVER_DESC"
        tail -n 20 "$SERVER_LOG" >&2; return 1
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
