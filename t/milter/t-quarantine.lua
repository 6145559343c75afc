-- t-quarantine: action = quarantine accepts at MAIL FROM and asks the MTA
-- to quarantine at end of message, with the reason; no mark on failures.
dofile(SRCDIR .. "/lib.lua")

local function q(desc, macros, reason, event)
    local conn = session("Inet", POSTFIX)
    expect_accepted("quarantine: " .. desc, conn, "<a@woodgrovebank.com>", macros,
        {quarantine = "Domain Security: woodgrovebank.com requires mutual TLS (" .. reason .. ")",
         headers = {"x-domain-secure", "pass forged"}, deleted = 1,
         result = "fail", reason = reason,
         log = {"event=" .. (event or "-") .. " action=quarantine"}})
    mt.disconnect(conn)
end
q("no TLS", nil, "tls-not-started", "11012")
q("not verified", pf_tls("TLSv1.3"), "certificate-not-verified")
q("another name", pf_tls("TLSv1.3", "mx.other.example"), "certificate-subject-mismatch", "11015")
local conn = session("Inet", POSTFIX)
expect_accepted("quarantine: a pass is marked, not quarantined", conn, "<a@woodgrovebank.com>",
    pf_tls("TLSv1.3", "mail.woodgrovebank.com", "CA"),
    {mark = "pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer=CA; tls=TLSv1.3; connector=Inet",
     result = "pass", reason = "pass"})
mt.disconnect(conn)
print("# done")
