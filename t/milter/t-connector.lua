-- t-connector: which receive connector judges a session: {daemon_name}
-- at connect; a connector with domain security off; an unknown name
-- without default_connector (judged as domain-secure); no name at all.
dofile(SRCDIR .. "/lib.lua")

local W = "woodgrovebank.com"
local conn = session("ORIGINATING", POSTFIX)
expect_accepted("connector with domain security off", conn, "<a@woodgrovebank.com>", nil,
    {result = "none", reason = "not-domain-secure", log = {"daemon=ORIGINATING connector=Internal"}})
mt.disconnect(conn)

conn = session("NoSuchListener", POSTFIX)
expect_refused("unknown daemon_name, no default_connector", conn, "<a@woodgrovebank.com>", nil,
    {code = "550", xcode = "5.7.1", domain = W, reason = "tls-not-started", event = "11012",
     log = {"daemon=NoSuchListener connector=- "}})
mt.disconnect(conn)

conn = session(nil, POSTFIX)
expect_refused("no daemon_name at all", conn, "<a@woodgrovebank.com>", nil,
    {code = "550", xcode = "5.7.1", domain = W, reason = "tls-not-started", event = "11012"})
mt.disconnect(conn)

-- {daemon_name} counts at connect only: a different value later changes nothing
conn = session("ORIGINATING", POSTFIX)
expect_accepted("daemon_name sent again at MAIL is ignored", conn, "<a@woodgrovebank.com>",
    {"{daemon_name}", "Inet"},
    {result = "none", reason = "not-domain-secure", log = {"connector=Internal"}})
mt.disconnect(conn)

-- several messages on one connection: each judged on its own
conn = session("Inet", POSTFIX)
expect_refused("first message of a session", conn, "<a@woodgrovebank.com>", nil,
    {code = "550", xcode = "5.7.1", domain = W, reason = "tls-not-started", event = "11012"})
expect_accepted("second message of the same session", conn, "<b@example.net>", nil,
    {result = "none", reason = "unlisted"})
expect_refused("third message of the same session", conn, "<c@woodgrovebank.com>", nil,
    {code = "550", xcode = "5.7.1", domain = W, reason = "tls-not-started", event = "11012"})
mt.disconnect(conn)

print("# done")
