-- t-tempfail: action = tempfail defers every failure with 451 4.7.1.
dofile(SRCDIR .. "/lib.lua")

local W = "woodgrovebank.com"
local cases = {
    {"no TLS", nil, "tls-not-started", "11012"},
    {"not verified", pf_tls("TLSv1.3"), "certificate-not-verified", nil},
    {"another name", pf_tls("TLSv1.3", "mx.other.example"), "certificate-subject-mismatch", "11015"},
}
for _, c in ipairs(cases) do
    local conn = session("Inet", POSTFIX)
    expect_refused("tempfail: " .. c[1], conn, "<a@woodgrovebank.com>", c[2],
        {code = "451", xcode = "4.7.1", domain = W, reason = c[3], event = c[4]})
    mt.disconnect(conn)
end
local conn = session("Inet", POSTFIX)
expect_accepted("tempfail: a pass is marked", conn, "<a@woodgrovebank.com>",
    pf_tls("TLSv1.3", "mail.woodgrovebank.com", "CA"),
    {mark = "pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer=CA; tls=TLSv1.3; connector=Inet",
     result = "pass", reason = "pass"})
mt.disconnect(conn)
print("# done")
