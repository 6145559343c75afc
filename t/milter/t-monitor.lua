-- t-monitor: mode = monitor never refuses: failures are logged, accepted
-- and marked "fail reason=... domain=..."; passes are marked as usual.
dofile(SRCDIR .. "/lib.lua")

local function accept(desc, from, macros, want)
    local conn = session("Inet", POSTFIX)
    expect_accepted(desc, conn, from, macros, want)
    mt.disconnect(conn)
end
accept("monitor: no TLS", "<a@woodgrovebank.com>", nil,
       {mark = "fail reason=tls-not-started domain=woodgrovebank.com; tls=none; connector=Inet",
        result = "fail", reason = "tls-not-started", log = {"event=11012 action=monitor"}})
accept("monitor: not verified", "<a@woodgrovebank.com>", pf_tls("TLSv1.2"),
       {mark = "fail reason=certificate-not-verified domain=woodgrovebank.com; tls=TLSv1.2; connector=Inet",
        result = "fail", reason = "certificate-not-verified", log = {"action=monitor"}})
accept("monitor: another name", "<a@woodgrovebank.com>", pf_tls("TLSv1.3", "mx.other.example", "CA"),
       {mark = "fail reason=certificate-subject-mismatch domain=woodgrovebank.com; peer=mx.other.example; issuer=CA; tls=TLSv1.3; connector=Inet",
        result = "fail", reason = "certificate-subject-mismatch", log = {"event=11015 action=monitor"}})
accept("monitor: a pass", "<a@woodgrovebank.com>", pf_tls("TLSv1.3", "mail.woodgrovebank.com", "CA"),
       {mark = "pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; issuer=CA; tls=TLSv1.3; connector=Inet",
        result = "pass", reason = "pass", log = {"action=mark"}})
accept("monitor: forged marks still removed", "<a@woodgrovebank.com>", nil,
       {mark = "fail reason=tls-not-started domain=woodgrovebank.com; tls=none; connector=Inet",
        headers = {"X-Domain-Secure", "pass domain=woodgrovebank.com; forged"}, deleted = 1,
        result = "fail", reason = "tls-not-started"})
accept("monitor: unlisted senders are not marked", "<a@example.net>", nil,
       {result = "none", reason = "unlisted"})
print("# done")
