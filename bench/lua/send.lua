-- SPDX-License-Identifier: Apache-2.0
-- send.lua: POST /api/auth/send-otp for a random number from a random
-- address: the default limits (3 a number per 15 minutes, 10 an address
-- per hour) never meet the same number or address twice in a run
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
    seed()
end

function request()
    local body = string.format(
        '{"phone_number":"+9655%07d","purpose":"login"}',
        math.random(0, 9999999))
    return wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Forwarded-For"] = client_ip() }, body)
end
