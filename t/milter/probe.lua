-- probe.lua - one message through the running milter, for the shell
-- tests: MAIL FROM FROM (-D FROM=...) without TLS on connector Inet;
-- EXPECT=refused|accepted; DESC names the check.
dofile(SRCDIR .. "/lib.lua")
local conn = session("Inet", POSTFIX)
if EXPECT == "refused" then
    expect_refused(DESC, conn, FROM, nil,
        {code = "550", xcode = "5.7.1", domain = DOMAIN, reason = "tls-not-started", event = "11012"})
else
    expect_accepted(DESC, conn, FROM, nil, {})
end
mt.disconnect(conn)
print("# done")
