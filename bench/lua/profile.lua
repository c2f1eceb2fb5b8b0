-- SPDX-License-Identifier: Apache-2.0
-- profile.lua: GET with the token of another user each time (the users
-- have active packages; each user's limit is 100 a minute, so the load is
-- spread over the BENCH_TOKENS file's thousands of users)
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local tokens, next_one

function init(args)
    seed()
    tokens = lines_of(os.getenv("BENCH_TOKENS"))
    next_one = math.random(1, #tokens)
end

function request()
    next_one = next_one % #tokens + 1
    return wrk.format(nil, nil, {
        ["Authorization"] = "Bearer " .. tokens[next_one],
        ["X-Forwarded-For"] = client_ip() })
end
