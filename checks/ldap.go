package checks

import (
	"context"
	"errors"
	"fmt"
)

// LDAP is negotiate for ldap and ldaps (check_ldap, Net::LDAP): a simple
// bind (anonymous unless both login and passwd are set), then a base-scope
// search of the request (without its "/") for (objectClass=*). Up iff
// exactly one entry comes back and, when receive is set, its DN matches.
// ldaps does not verify the certificate (Net::LDAP's verify => none).
type LDAP struct{}

func (LDAP) String() string { return "negotiate:ldap" }

// LDAP protocol op tags.
const (
	ldapBindRequest  = 0x60
	ldapBindResponse = 0x61
	ldapSearchReq    = 0x63
	ldapSearchEntry  = 0x64
	ldapSearchDone   = 0x65
	ldapUnbind       = 0x42
)

func (LDAP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		match, err := matcher(t.Receive)
		if err != nil {
			return down("bad receive", err)
		}
		c, err := dialService(ctx, t, t.Service == "ldaps", tlsNoVerify)
		if err != nil {
			return fail("connection failed", err)
		}
		defer c.Close()
		return ldapSession(c, t, match)
	})
}

// maxLDAPEntries bounds the entries a search may return.
const maxLDAPEntries = 1000

// ldapSession binds and searches over c.
func ldapSession(c *conn, t Target, match func(string) bool) Result {
	dn, pw := "", ""
	if t.Login != "" && t.Passwd != "" {
		dn, pw = t.Login, t.Passwd
	}
	bind := berTLV(ldapBindRequest, berInt(0x02, 3), berTLV(0x04, []byte(dn)), berTLV(0x80, []byte(pw)))
	if _, err := c.Write(berTLV(0x30, berInt(0x02, 1), bind)); err != nil {
		return fail("bind", err)
	}
	op, body, err := ldapRead(c, 1)
	if err != nil {
		return fail("bind", err)
	}
	if op != ldapBindResponse {
		return down("bind failed", fmt.Errorf("ldap: unexpected op 0x%x to bind", op))
	}
	if code, err := ldapResultCode(body); err != nil || code != 0 {
		return down(fmt.Sprintf("bind failed (result %d)", code), fmt.Errorf("ldap: bind result %d: %v", code, err))
	}
	search := berTLV(ldapSearchReq,
		berTLV(0x04, []byte(t.request())),
		berInt(0x0a, 0), // scope base
		berInt(0x0a, 0), // never dereference aliases
		berInt(0x02, 0), berInt(0x02, 0),
		berTLV(0x01, []byte{0}),
		berTLV(0x87, []byte("objectClass")),
		berTLV(0x30, berTLV(0x04, []byte("1.1"))), // no attributes needed
	)
	if _, err := c.Write(berTLV(0x30, berInt(0x02, 2), search)); err != nil {
		return fail("search", err)
	}
	var dns []string
	for {
		op, body, err := ldapRead(c, 2)
		if err != nil {
			return fail("search", err)
		}
		if op == ldapSearchEntry {
			_, name, _, err := berNext(body)
			if err != nil {
				return fail("search entry", err)
			}
			dns = append(dns, string(name))
			if len(dns) > maxLDAPEntries {
				return down("too many entries", errors.New("ldap: too many entries"))
			}
		}
		if op == ldapSearchDone {
			break
		}
	}
	_, _ = c.Write(berTLV(0x30, berInt(0x02, 3), []byte{ldapUnbind, 0}))
	// The result code of the search is not looked at, only the entries.
	if len(dns) != 1 {
		return down(fmt.Sprintf("%d entries instead of 1", len(dns)), errors.New("ldap: no answer received"))
	}
	if t.Receive != "" && !match(dns[0]) {
		return down("response mismatch: "+short(dns[0]), errors.New("ldap: response mismatch"))
	}
	return up("found " + short(dns[0]))
}

// ldapRead reads the next message with the given id and returns its op
// tag and content.
func ldapRead(c *conn, id int) (byte, []byte, error) {
	for {
		msg, err := berRead(c.r, maxMsg)
		if err != nil {
			return 0, nil, err
		}
		mid, op, body, err := ldapMessage(msg)
		if err != nil {
			return 0, nil, err
		}
		if mid == 0 {
			// Unsolicited notification (notice of disconnection).
			return 0, nil, errors.New("server sent a notice of disconnection")
		}
		if mid == id {
			return op, body, nil
		}
	}
}

// ldapMessage splits an LDAPMessage into its id, op tag and content.
func ldapMessage(msg []byte) (int, byte, []byte, error) {
	tag, seq, _, err := berNext(msg)
	if err != nil || tag != 0x30 {
		return 0, 0, nil, errBER
	}
	itag, idb, rest, err := berNext(seq)
	if err != nil || itag != 0x02 {
		return 0, 0, nil, errBER
	}
	op, body, _, err := berNext(rest)
	if err != nil {
		return 0, 0, nil, err
	}
	return berIntValue(idb), op, body, nil
}

func ldapResultCode(body []byte) (int, error) {
	tag, v, _, err := berNext(body)
	if err != nil || tag != 0x0a {
		return -1, errBER
	}
	return berIntValue(v), nil
}
