-- lib.lua - helpers for the miltertest scripts in t/milter: TAP lines,
-- connections with Postfix-style or Sendmail-style macros, and checks of
-- what a user sees: the milter's answer, the reply code and text, the
-- header changes, and the decision line in the milter's log.
--
-- Globals from run.sh (-D): SOCKET, LOG (the milter's stderr), SRCDIR.

unpack = table.unpack or unpack

function ok(cond, desc)
    print((cond and "ok - " or "not ok - ") .. desc)
    return cond
end

function is(got, want, desc)
    if not ok(got == want, desc) then
        print("#   got:  " .. tostring(got))
        print("#   want: " .. tostring(want))
    end
end

function has(text, pattern, desc)
    -- plain substring search
    if not ok(text ~= nil and string.find(text, pattern, 1, true) ~= nil,
              desc) then
        print("#   looked for: " .. pattern)
        print("#   in: " .. tostring(text))
    end
end

function hasnt(text, pattern, desc)
    ok(text == nil or string.find(text, pattern, 1, true) == nil, desc)
end

-- The milter's log: where it ends now, and what was added since.
function log_pos()
    local f = assert(io.open(LOG, "r"))
    local size = f:seek("end")
    f:close()
    return size
end

function log_since(pos)
    local f = assert(io.open(LOG, "r"))
    f:seek("set", pos)
    local s = f:read("*a")
    f:close()
    return s
end

-- The decision line logged since pos (the last one), or nil.
function decision_since(pos)
    local last = nil
    for line in string.gmatch(log_since(pos), "[^\n]+") do
        if string.find(line, " result=", 1, true) then
            last = line
        end
    end
    return last
end

POSTFIX = "Postfix 3.7.11"
SENDMAIL = "8.17.1"

-- A new session: negotiate, connect macros ({daemon_name}, v), conninfo.
function session(daemon, mta_version)
    local conn = mt.connect(SOCKET, 40, 0.05)
    assert(conn, "cannot connect to the milter at " .. SOCKET)
    assert(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
    local macros = {}
    if daemon then
        table.insert(macros, "{daemon_name}")
        table.insert(macros, daemon)
    end
    if mta_version then
        table.insert(macros, "v")
        table.insert(macros, mta_version)
    end
    if #macros > 0 then
        assert(mt.macro(conn, SMFIC_CONNECT, unpack(macros)) == nil)
    end
    assert(mt.conninfo(conn, "client.example", "192.0.2.10") == nil,
           "conninfo")
    return conn
end

-- MAIL FROM with the given MAIL-stage macros {name, value, ...}; returns
-- the milter's answer (an SMFIR_* code).
function mail(conn, from, macros)
    if macros and #macros > 0 then
        assert(mt.macro(conn, SMFIC_MAIL, unpack(macros)) == nil)
    end
    assert(mt.mailfrom(conn, from) == nil, "mailfrom")
    return mt.getreply(conn)
end

-- Headers {name, value, ...} then end of message; returns the answer.
function finish(conn, headers, eom_macros)
    headers = headers or {"From", "<x@example.net>"}
    for i = 1, #headers, 2 do
        assert(mt.header(conn, headers[i], headers[i + 1]) == nil, "header")
    end
    if eom_macros then
        -- miltertest has no EOM macro stage; the queue id rides with RCPT,
        -- which libmilter looks back to.
    end
    assert(mt.eom(conn) == nil, "eom")
    return mt.getreply(conn)
end

-- Postfix-style MAIL macros: TLS facts; cert_subject only when verified.
function pf_tls(version, cn, issuer)
    local m = {"{tls_version}", version, "{cipher}", "TLS_AES_256_GCM_SHA384",
               "{cipher_bits}", "256"}
    if cn then
        table.insert(m, "{cert_subject}"); table.insert(m, cn)
        table.insert(m, "{cert_issuer}"); table.insert(m, issuer or "Test CA")
    end
    return m
end

-- Sendmail-style MAIL macros: {verify}, xtext DNs, xtext CNs.
function sm_tls(verify, subject_dn, cn, issuer_dn, issuer_cn)
    local m = {"{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384",
               "{cipher_bits}", "256", "{verify}", verify}
    if subject_dn then
        table.insert(m, "{cert_subject}"); table.insert(m, subject_dn)
    end
    if cn then
        table.insert(m, "{cn_subject}"); table.insert(m, cn)
    end
    if issuer_dn then
        table.insert(m, "{cert_issuer}"); table.insert(m, issuer_dn)
    end
    if issuer_cn then
        table.insert(m, "{cn_issuer}"); table.insert(m, issuer_cn)
    end
    return m
end

-- Expect a refusal at MAIL FROM: answer, reply text and decision line.
--   want = {code="550", xcode="5.7.1", domain=..., reason=..., event=...}
function expect_refused(desc, conn, from, macros, want)
    local pos = log_pos()
    local r = mail(conn, from, macros)
    is(r, SMFIR_REPLYCODE, desc .. ": refused at MAIL FROM with a reply")
    local line = decision_since(pos)
    local text = want.code .. " " .. want.xcode ..
        " Domain Security: " .. want.domain .. " requires mutual TLS (" ..
        want.reason .. ")"
    has(line, 'reply="' .. text .. '"', desc .. ": reply is '" .. text .. "'")
    has(line, " result=fail reason=" .. want.reason, desc .. ": logged fail " .. want.reason)
    has(line, " event=" .. (want.event or "-") .. " ", desc .. ": event " .. (want.event or "-"))
    has(line, " action=" .. (want.code == "550" and "reject" or "tempfail"),
        desc .. ": action logged")
    if want.log then
        for _, p in ipairs(want.log) do has(line, p, desc .. ": log has " .. p) end
    end
    return line
end

-- Expect acceptance; run the message to its end and check the mark.
--   want = {mark=value or nil, result=..., reason=..., deleted=n, log={...}}
MARK = "X-Domain-Secure"
function expect_accepted(desc, conn, from, macros, want)
    local pos = log_pos()
    local r = mail(conn, from, macros)
    is(r, SMFIR_CONTINUE, desc .. ": accepted at MAIL FROM")
    local e = finish(conn, want.headers)
    ok(e == SMFIR_CONTINUE or e == SMFIR_ACCEPT, desc .. ": accepted at end of message")
    local name = want.header or MARK
    if want.mark then
        ok(mt.eom_check(conn, MT_HDRINSERT, name, want.mark, 0),
           desc .. ": mark prepended: " .. want.mark)
    else
        ok(not mt.eom_check(conn, MT_HDRINSERT) and not mt.eom_check(conn, MT_HDRADD),
           desc .. ": no mark added")
    end
    for i = 1, (want.deleted or 0) do
        ok(mt.eom_check(conn, MT_HDRDELETE, name, i),
           desc .. ": forged " .. name .. " #" .. i .. " deleted")
    end
    if (want.deleted or 0) == 0 then
        ok(not mt.eom_check(conn, MT_HDRDELETE), desc .. ": nothing deleted")
    end
    if want.quarantine then
        ok(mt.eom_check(conn, MT_QUARANTINE, want.quarantine),
           desc .. ": quarantined: " .. want.quarantine)
    else
        ok(not mt.eom_check(conn, MT_QUARANTINE), desc .. ": not quarantined")
    end
    local line = decision_since(pos)
    if want.result then
        has(line, " result=" .. want.result .. " reason=" .. want.reason,
            desc .. ": logged " .. want.result .. " " .. want.reason)
        hasnt(line, " reply=", desc .. ": no SMTP reply set")
    end
    if want.log then
        for _, p in ipairs(want.log) do has(line, p, desc .. ": log has " .. p) end
    end
    return line
end
