-- t-postfix: the decision table with Postfix-style macros: {cert_subject}
-- (the CN) only when the client certificate verified. Every refusal is
-- checked for its reply code and text; every acceptance for the mark.
dofile(SRCDIR .. "/lib.lua")

local W = "woodgrovebank.com"
local function refuse(desc, from, macros, reason, event, log)
    local conn = session("Inet", POSTFIX)
    local line = expect_refused(desc, conn, from, macros,
        {code = "550", xcode = "5.7.1", domain = W, reason = reason,
         event = event, log = log})
    mt.disconnect(conn)
    return line
end
local function accept(desc, from, macros, want)
    local conn = session("Inet", POSTFIX)
    local line = expect_accepted(desc, conn, from, macros, want)
    mt.disconnect(conn)
    return line
end

-- listed sender, no TLS
refuse("no TLS", "<alice@woodgrovebank.com>", nil, "tls-not-started", "11012",
       {"qid=NOQUEUE ", "daemon=Inet connector=Inet domain=woodgrovebank.com tls=none peer=- issuer=-", " mta=postfix"})
-- TLS, but no verified certificate (Postfix sends no {cert_subject})
refuse("TLS without a verified certificate", "<alice@woodgrovebank.com>",
       pf_tls("TLSv1.3"), "certificate-not-verified", nil, {"tls=TLSv1.3 peer=- "})
-- a verified certificate for another name
refuse("verified certificate for another name", "<alice@woodgrovebank.com>",
       pf_tls("TLSv1.3", "mail.attacker.example", "Partner CA"),
       "certificate-subject-mismatch", "11015",
       {"peer=mail.attacker.example issuer=\"Partner CA\""})
-- a name that only ends with the domain, not on a label boundary
refuse("verified certificate for evilwoodgrovebank.com", "<alice@woodgrovebank.com>",
       pf_tls("TLSv1.2", "evilwoodgrovebank.com"),
       "certificate-subject-mismatch", "11015")
-- a wildcard for a public suffix never covers anything
refuse("wildcard *.com", "<alice@woodgrovebank.com>",
       pf_tls("TLSv1.3", "*.com"), "certificate-subject-mismatch", "11015")

-- the right name, and a host under it
accept("verified certificate for the domain", "<alice@woodgrovebank.com>",
       pf_tls("TLSv1.3", "woodgrovebank.com", "Woodgrove Issuing CA"),
       {mark = 'pass domain=woodgrovebank.com; peer=woodgrovebank.com; issuer="Woodgrove Issuing CA"; tls=TLSv1.3; connector=Inet',
        result = "pass", reason = "pass",
        log = {"domain=woodgrovebank.com tls=TLSv1.3 peer=woodgrovebank.com issuer=\"Woodgrove Issuing CA\" result=pass reason=pass event=- action=mark"}})
accept("verified certificate for a host under the domain", "<bob@woodgrovebank.com>",
       pf_tls("TLSv1.2", "mail.woodgrovebank.com", "Woodgrove Issuing CA"),
       {mark = 'pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer="Woodgrove Issuing CA"; tls=TLSv1.2; connector=Inet',
        result = "pass", reason = "pass"})
accept("wildcard certificate under the domain", "<bob@woodgrovebank.com>",
       pf_tls("TLSv1.3", "*.woodgrovebank.com", "CA"),
       {mark = 'pass domain=woodgrovebank.com; peer=*.woodgrovebank.com; issuer=CA; tls=TLSv1.3; connector=Inet',
        result = "pass", reason = "pass"})
accept("certificate name in upper case", "<bob@woodgrovebank.com>",
       pf_tls("TLSv1.3", "MAIL.WoodgroveBank.COM", "CA"),
       {mark = 'pass domain=woodgrovebank.com; peer=MAIL.WoodgroveBank.COM; issuer=CA; tls=TLSv1.3; connector=Inet',
        result = "pass", reason = "pass"})

-- the sender's domain: case, trailing dot, source route, quoted local part
refuse("upper-case sender domain", "<Alice@WOODGROVEBANK.COM>", nil, "tls-not-started", "11012")
refuse("sender domain with a trailing dot", "<alice@woodgrovebank.com.>", nil, "tls-not-started", "11012")
refuse("source-routed sender", "<@relay.example,@other.example:alice@woodgrovebank.com>", nil,
       "tls-not-started", "11012")
refuse("quoted local part holding an @", '<"x@evil.example"@woodgrovebank.com>', nil,
       "tls-not-started", "11012")
accept("quoted local part naming the listed domain", '<"alice@woodgrovebank.com"@example.net>', nil,
       {result = "none", reason = "unlisted", log = {"domain=example.net"}})

-- subdomain list entry ".fabrikam.com": names under it, not itself
local conn = session("Inet", POSTFIX)
expect_refused("sender under a .fabrikam.com entry", conn, "<c@eu.fabrikam.com>",
    pf_tls("TLSv1.3", "mail.fabrikam.com"),
    {code = "550", xcode = "5.7.1", domain = "eu.fabrikam.com",
     reason = "certificate-subject-mismatch", event = "11015"})
mt.disconnect(conn)
accept("sender under .fabrikam.com with a matching certificate", "<c@eu.fabrikam.com>",
       pf_tls("TLSv1.3", "mx1.eu.fabrikam.com"),
       {mark = 'pass domain=eu.fabrikam.com; peer=mx1.eu.fabrikam.com; issuer="Test CA"; tls=TLSv1.3; connector=Inet',
        result = "pass", reason = "pass"})
accept("fabrikam.com itself is not covered by .fabrikam.com", "<c@fabrikam.com>", nil,
       {result = "none", reason = "unlisted"})

-- null sender, no '@', unlisted, unparseable
accept("null sender", "<>", nil, {result = "none", reason = "null-sender", log = {"domain=- "}})
accept("sender without a domain", "<postmaster>", nil, {result = "none", reason = "null-sender"})
accept("unlisted sender without TLS", "<carol@example.net>", nil,
       {result = "none", reason = "unlisted", log = {"action=accept"}})
accept("unparseable sender domain", "<alice@[192.0.2.1]>", nil,
       {result = "none", reason = "bad-sender-domain"})

-- skipped EHLO after STARTTLS: the TLS macros arrive with MAIL only
-- (that is all this milter ever reads); with no HELO at all it still works
accept("TLS facts given at MAIL only", "<alice@woodgrovebank.com>",
       pf_tls("TLSv1.3", "mail.woodgrovebank.com", "CA"),
       {mark = 'pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer=CA; tls=TLSv1.3; connector=Inet',
        result = "pass", reason = "pass"})

print("# done")
