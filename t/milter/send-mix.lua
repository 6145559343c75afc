-- send-mix.lua - a fixed mix of messages through the running milter for
-- t/milter/decisions.test (the per-partner metric): -D PHASE=1 or 2.
-- Each message stops after MAIL FROM (the decision is made and counted
-- there); the test reads the counts in the metrics file.
dofile(SRCDIR .. "/lib.lua")

local function one(daemon, from, macros, want)
    local conn = session(daemon, POSTFIX)
    local r = mail(conn, from, macros)
    is(r, want, daemon .. " " .. from .. ": answer at MAIL FROM")
    mt.disconnect(conn)
end
local W = "<a@woodgrovebank.com>"
local good = pf_tls("TLSv1.3", "mail.woodgrovebank.com", "Woodgrove CA")
if PHASE == "1" then
    one("Inet", W, good, SMFIR_CONTINUE)
    one("Inet", W, good, SMFIR_CONTINUE)
    one("Inet", W, nil, SMFIR_REPLYCODE)
    one("Inet", "<a@eu.fabrikam.example>",
        pf_tls("TLSv1.3", "mx.eu.fabrikam.example", "Fabrikam CA"),
        SMFIR_CONTINUE)
    one("Inet", "<a@example.net>", nil, SMFIR_CONTINUE)
    one("Inet", "<>", nil, SMFIR_CONTINUE)
    one("ORIGINATING", W, nil, SMFIR_CONTINUE)
    one("Mystery", W, nil, SMFIR_REPLYCODE)
else
    one("Inet", W, good, SMFIR_CONTINUE)
    one("Inet", "<a@eu.fabrikam.example>", nil, SMFIR_CONTINUE)
end
print("# done")
