-- t-default-connector: an unknown {daemon_name} is judged by
-- milter.default_connector (here one with domain security off); a known
-- name still by its own connector.
dofile(SRCDIR .. "/lib.lua")

local conn = session("NoSuchListener", POSTFIX)
expect_accepted("unknown daemon_name: the default connector (off)", conn, "<a@woodgrovebank.com>", nil,
    {result = "none", reason = "not-domain-secure", log = {"daemon=NoSuchListener connector=Internal"}})
mt.disconnect(conn)
conn = session("Inet", POSTFIX)
expect_refused("known daemon_name: its own connector", conn, "<a@woodgrovebank.com>", nil,
    {code = "550", xcode = "5.7.1", domain = "woodgrovebank.com", reason = "tls-not-started", event = "11012"})
mt.disconnect(conn)
print("# done")
