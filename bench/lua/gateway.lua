-- SPDX-License-Identifier: Apache-2.0
-- gateway.lua: the fake SMS gateway alone, as the module calls it
function request()
    return wrk.format("POST", "/ok/bench", {
        ["Content-Type"] = "application/x-www-form-urlencoded" },
        "to=%2B96551234567&message=Your+verification+code+is+12345")
end
