-- SPDX-License-Identifier: Apache-2.0
-- anon.lua: GET requests without a token, each from another address
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
    seed()
end

function request()
    return wrk.format(nil, nil, { ["X-Forwarded-For"] = client_ip() })
end
