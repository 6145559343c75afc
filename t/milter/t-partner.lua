-- t-partner: a partner section's peer_names, issuers and action; and
-- peer_match = domain for the other partners.
dofile(SRCDIR .. "/lib.lua")

local T = "tailspintoys.com"
local function defer(desc, macros, reason, event)
    local conn = session("Inet", POSTFIX)
    expect_refused(desc, conn, "<a@tailspintoys.com>", macros,
        {code = "451", xcode = "4.7.1", domain = T, reason = reason, event = event})
    mt.disconnect(conn)
end
local function accept(desc, from, macros, mark)
    local conn = session("Inet", POSTFIX)
    expect_accepted(desc, conn, from, macros, {mark = mark, result = "pass", reason = "pass"})
    mt.disconnect(conn)
end

accept("partner: a listed peer name and issuer", "<a@tailspintoys.com>",
       pf_tls("TLSv1.3", "mx.tailspintoys.com", "Tailspin Issuing CA"),
       'pass domain=tailspintoys.com; peer=mx.tailspintoys.com; issuer="Tailspin Issuing CA"; tls=TLSv1.3; connector=Inet')
accept("partner: a *. peer name covers one label", "<a@tailspintoys.com>",
       pf_tls("TLSv1.3", "m1.out.tailspintoys.com", "Tailspin Issuing CA"),
       'pass domain=tailspintoys.com; peer=m1.out.tailspintoys.com; issuer="Tailspin Issuing CA"; tls=TLSv1.3; connector=Inet')
defer("partner: the bare domain is not a listed peer name",
      pf_tls("TLSv1.3", "tailspintoys.com", "Tailspin Issuing CA"), "certificate-subject-mismatch", "11015")
defer("partner: another host under the domain",
      pf_tls("TLSv1.3", "mail.tailspintoys.com", "Tailspin Issuing CA"), "certificate-subject-mismatch", "11015")
defer("partner: right name, wrong issuer",
      pf_tls("TLSv1.3", "mx.tailspintoys.com", "Some Public CA"), "certificate-subject-mismatch", "11015")
defer("partner action tempfail: no TLS", nil, "tls-not-started", "11012")
defer("partner action tempfail: not verified", pf_tls("TLSv1.3"), "certificate-not-verified", nil)

-- other partners: peer_match = domain, milter action reject
local conn = session("Inet", POSTFIX)
expect_refused("peer_match domain: a host under the domain", conn, "<b@woodgrovebank.com>",
    pf_tls("TLSv1.3", "mail.woodgrovebank.com"),
    {code = "550", xcode = "5.7.1", domain = "woodgrovebank.com",
     reason = "certificate-subject-mismatch", event = "11015"})
mt.disconnect(conn)
accept("peer_match domain: exactly the domain", "<b@woodgrovebank.com>",
       pf_tls("TLSv1.3", "woodgrovebank.com", "Woodgrove CA"),
       'pass domain=woodgrovebank.com; peer=woodgrovebank.com; issuer="Woodgrove CA"; tls=TLSv1.3; connector=Inet')

print("# done")
