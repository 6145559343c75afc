-- t-sendmail: the decision table with Sendmail-style macros: {verify},
-- xtext-encoded one-line DNs in {cert_subject}/{cert_issuer}, xtext CNs in
-- {cn_subject}/{cn_issuer}, BadCertificate* values; mta = auto.
dofile(SRCDIR .. "/lib.lua")

local W = "woodgrovebank.com"
local DN = "/C=US/O=Woodgrove+20Bank/CN=mail.woodgrovebank.com"
local IDN = "/C=US/O=Woodgrove+20Bank/CN=Woodgrove+20Issuing+20CA"
local function refuse(desc, macros, reason, event, log)
    local conn = session("MTA", SENDMAIL)
    expect_refused(desc, conn, "<alice@woodgrovebank.com>", macros,
        {code = "550", xcode = "5.7.1", domain = W, reason = reason,
         event = event, log = log})
    mt.disconnect(conn)
end
local function accept(desc, macros, want, version)
    local conn = session("MTA", version or SENDMAIL)
    expect_accepted(desc, conn, "<alice@woodgrovebank.com>", macros, want)
    mt.disconnect(conn)
end
local PASS = 'pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer="Woodgrove Issuing CA"; tls=TLSv1.3; connector=-'

refuse("no TLS", nil, "tls-not-started", "11012", {" mta=sendmail", "daemon=MTA connector=- "})
refuse("certificate presented, verify=NO", sm_tls("NO", DN, "mail.woodgrovebank.com", IDN),
       "certificate-not-verified", nil, {"peer=mail.woodgrovebank.com"})
refuse("certificate presented, verify=FAIL", sm_tls("FAIL", DN, "mail.woodgrovebank.com", IDN),
       "certificate-not-verified")
refuse("no certificate, verify=NONE", sm_tls("NONE"), "certificate-not-verified")
refuse("verified certificate for another name",
       sm_tls("OK", "/CN=mail.attacker.example", "mail.attacker.example", IDN),
       "certificate-subject-mismatch", "11015", {"peer=mail.attacker.example"})
refuse("verify=OK but the CN was too long", sm_tls("OK", DN, "BadCertificateTooLong", IDN),
       "certificate-subject-mismatch", "11015", {"peer=- "})
refuse("verify=OK but the CN held a NUL", sm_tls("OK", DN, "BadCertificateContainsNUL", IDN),
       "certificate-subject-mismatch", "11015")

accept("verify=OK, xtext CN of a host under the domain",
       sm_tls("OK", DN, "mail.woodgrovebank.com", IDN, "Woodgrove+20Issuing+20CA"),
       {mark = PASS, result = "pass", reason = "pass", log = {" mta=sendmail"}})
accept("verify=TRUSTED (DANE)",
       sm_tls("TRUSTED", DN, "mail.woodgrovebank.com", IDN, "Woodgrove+20Issuing+20CA"),
       {mark = PASS, result = "pass", reason = "pass"})
accept("no {cn_subject}: the CN of the xtext DN",
       sm_tls("OK", DN, nil, IDN),
       {mark = PASS, result = "pass", reason = "pass"})
-- no v macro: {verify} alone makes it Sendmail
accept("no v macro, {verify} present: still Sendmail semantics",
       sm_tls("OK", DN, "mail.woodgrovebank.com", IDN, "Woodgrove+20Issuing+20CA"),
       {mark = PASS, result = "pass", reason = "pass", log = {" mta=sendmail"}}, nil)
local conn = session("MTA", nil)
expect_refused("no v macro, verify=NO with a certificate", conn, "<alice@woodgrovebank.com>",
    sm_tls("NO", DN, "mail.woodgrovebank.com", IDN),
    {code = "550", xcode = "5.7.1", domain = W, reason = "certificate-not-verified",
     log = {" mta=sendmail"}})
mt.disconnect(conn)

-- an unlisted sender and a connector without domain security
conn = session("MTA", SENDMAIL)
expect_accepted("unlisted sender", conn, "<x@example.net>", sm_tls("NO", DN), {result = "none", reason = "unlisted"})
mt.disconnect(conn)
conn = session("ORIGINATING", SENDMAIL)
expect_accepted("listed sender on a connector with domain security off", conn,
    "<alice@woodgrovebank.com>", nil,
    {result = "none", reason = "not-domain-secure", log = {"connector=Internal"}})
mt.disconnect(conn)

print("# done")
