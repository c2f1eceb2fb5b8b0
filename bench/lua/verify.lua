-- SPDX-License-Identifier: Apache-2.0
-- verify.lua: POST /api/auth/verify-otp with the right code, each pair of
-- BENCH_PAIRS ("phone code" lines, codes the fake gateway received) once;
-- a thread stops when its share is used up
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local pairs_, i, last, threads

function init(args)
    seed()
    local all = lines_of(os.getenv("BENCH_PAIRS"))
    threads = tonumber(os.getenv("BENCH_THREADS") or "2")
    pairs_ = {}
    for k = 1 + id, #all, threads do
        pairs_[#pairs_ + 1] = all[k]
    end
    i = 0
end

function request()
    i = i + 1
    local line = pairs_[i] or pairs_[#pairs_]
    local phone, code = line:match("(%S+)%s+(%S+)")
    return wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Forwarded-For"] = client_ip() },
        string.format('{"phone_number":"%s","code":"%s"}', phone, code))
end

function response(status, headers, body)
    if i >= #pairs_ then
        wrk.thread:stop()
    end
end
