-- SPDX-License-Identifier: Apache-2.0
-- common.lua: what the bench scripts share.  Each wrk thread has its own
-- Lua state; setup() (in the main state) gives each one a number, so the
-- threads draw different random addresses and take different slices.
local n = 0
function setup(thread)
    thread:set("id", n)
    n = n + 1
end

-- a client address of 10.0.0.0/8: the per-IP limits see a crowd, as
-- behind a load balancer (mod_remoteip trusts X-Forwarded-For from
-- loopback in the bench configuration)
function client_ip()
    return string.format("10.%d.%d.%d", math.random(0, 255),
                         math.random(0, 255), math.random(1, 254))
end

function seed()
    math.randomseed(os.time() * 1000 + (id or 0) * 7919)
end

-- the lines of a file, as a table
function lines_of(path)
    local t = {}
    for line in io.lines(path) do
        t[#t + 1] = line
    end
    return t
end
