-- t-headers: every pre-existing copy of the mark header, whatever its
-- case, is deleted from every message (last index first), before the mark
-- is prepended; a custom milter.header; state reset between messages and
-- after an abort.
dofile(SRCDIR .. "/lib.lua")

MARK = "X-Contoso-Domain-Secure"
local PASS = "pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer=CA; tls=TLSv1.3; connector=Inet"
local V = pf_tls("TLSv1.3", "mail.woodgrovebank.com", "CA")
local forged2 = {"From", "<a@woodgrovebank.com>",
                 "X-Contoso-Domain-Secure", "pass domain=woodgrovebank.com; forged 1",
                 "Subject", "hello",
                 "X-Contoso-Domain-Secure", "pass domain=woodgrovebank.com; forged 2"}

local conn = session("Inet", POSTFIX)
expect_accepted("pass with two forged marks", conn, "<a@woodgrovebank.com>", V,
    {mark = PASS, headers = forged2, deleted = 2, result = "pass", reason = "pass"})
ok(not mt.eom_check(conn, MT_HDRDELETE, MARK, 3), "no third deletion")
mt.disconnect(conn)

conn = session("Inet", POSTFIX)
expect_accepted("unlisted sender with forged marks in other cases", conn, "<b@example.net>", nil,
    {headers = {"x-contoso-domain-secure", "pass forged", "X-CONTOSO-DOMAIN-SECURE", "pass forged",
                "X-Contoso-Domain-Secure", "pass forged"},
     deleted = 3, result = "none", reason = "unlisted"})
mt.disconnect(conn)

conn = session("Inet", POSTFIX)
expect_accepted("the default name is not this milter's mark", conn, "<b@example.net>", nil,
    {headers = {"X-Domain-Secure", "pass something"}, deleted = 0, result = "none", reason = "unlisted"})
mt.disconnect(conn)

-- two messages on one connection: counts do not leak from one to the next
conn = session("Inet", POSTFIX)
expect_accepted("first message: one forged mark", conn, "<a@woodgrovebank.com>", V,
    {mark = PASS, headers = {"X-Contoso-Domain-Secure", "forged"}, deleted = 1, result = "pass", reason = "pass"})
expect_accepted("second message: none", conn, "<a@woodgrovebank.com>", V,
    {mark = PASS, headers = {"Subject", "clean"}, deleted = 0, result = "pass", reason = "pass"})
mt.disconnect(conn)

-- an aborted message leaves nothing behind
conn = session("Inet", POSTFIX)
is(mail(conn, "<a@woodgrovebank.com>", V), SMFIR_CONTINUE, "abort: first MAIL accepted")
assert(mt.header(conn, "X-Contoso-Domain-Secure", "forged") == nil)
assert(mt.abort(conn) == nil)
local pos = log_pos()
expect_accepted("after abort: the next message starts clean", conn, "<b@example.net>", nil,
    {headers = {"Subject", "x"}, deleted = 0, result = "none", reason = "unlisted"})
mt.disconnect(conn)
print("# done")
