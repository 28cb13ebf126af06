package bgpwire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lvsctl/lvsctl/internal/secret"
)

// The line protocol between the director and lvsctl-bgp. Every message is
// one line: a verb, a blank, a JSON object, a newline.
//
// The director writes, on the program's standard input:
//
//	configure {"seq":1,"config":{"local_as":65010,"router_id":"10.0.0.1","listen_port":0,
//	           "peers":[{"address":"10.0.0.254","as":65000,"hold_time_s":3,"port":0,
//	                     "multihop":0,"passive":false,"password":"..."}]}}
//	announce  {"seq":2,"routes":[{"prefix":"192.0.2.1/32","med":0,"communities":["65000:1"],"next_hop":""}]}
//	stop      {"seq":3}
//
// configure starts the speaker, or reconfigures it (unchanged peers keep
// their sessions); announce makes routes the announced set (idempotent);
// stop withdraws everything, closes the sessions and ends the program,
// as the end of its standard input does.
//
// The program writes, on its standard output:
//
//	ready  {"protocol":1}           once, first
//	done   {"seq":2,"error":""}     after each command, in order
//	status {...}                    Status, whenever it changes
//
// Passwords travel only in configure lines: never in the program's
// arguments or environment, and no error of this package quotes a line.

// Protocol is the protocol's version; ready carries the program's, and
// the director refuses another.
const Protocol = 1

// MaxLine bounds a line (a status of many peers and prefixes fits).
const MaxLine = 4 << 20

// Verb names a command.
type Verb string

// The commands.
const (
	Configure Verb = "configure"
	Announce  Verb = "announce"
	Stop      Verb = "stop"
)

// Command is one line from the director.
type Command struct {
	Verb Verb
	// Seq numbers the command; done repeats it.
	Seq    uint64
	Config Config                 // configure
	Routes map[netip.Prefix]Attrs // announce
}

// Kind names a message from the program.
type Kind string

// The program's messages.
const (
	Ready      Kind = "ready"
	Done       Kind = "done"
	StatusKind Kind = "status"
)

// Reply is one line from the program.
type Reply struct {
	Kind     Kind
	Protocol int    // ready
	Seq      uint64 // done
	Err      string // done: "" when the command worked
	Status   Status // status
}

type wireCommand struct {
	Seq    uint64      `json:"seq"`
	Config *wireConfig `json:"config,omitzero"`
	Routes []wireRoute `json:"routes,omitzero"`
}

type wireConfig struct {
	LocalAS    uint32     `json:"local_as"`
	RouterID   netip.Addr `json:"router_id"`
	ListenPort uint16     `json:"listen_port"`
	Peers      []wirePeer `json:"peers"`
}

type wirePeer struct {
	Address   netip.Addr `json:"address"`
	AS        uint32     `json:"as"`
	HoldTimeS int64      `json:"hold_time_s"`
	Port      uint16     `json:"port"`
	Multihop  int        `json:"multihop"`
	Passive   bool       `json:"passive"`
	Password  string     `json:"password,omitempty"`
}

type wireRoute struct {
	Prefix      netip.Prefix `json:"prefix"`
	MED         uint32       `json:"med"`
	Communities []string     `json:"communities"`
	NextHop     netip.Addr   `json:"next_hop"`
}

type wireReady struct {
	Protocol int `json:"protocol"`
}

type wireDone struct {
	Seq uint64 `json:"seq"`
	Err string `json:"error"`
}

// Line is c as one protocol line, newline included.
func (c Command) Line() ([]byte, error) {
	w := wireCommand{Seq: c.Seq}
	switch c.Verb {
	case Configure:
		wc := &wireConfig{LocalAS: c.Config.LocalAS, RouterID: c.Config.RouterID, ListenPort: c.Config.ListenPort, Peers: []wirePeer{}}
		for _, p := range c.Config.Peers {
			if p.HoldTime%time.Second != 0 {
				return nil, fmt.Errorf("bgpwire: peer %s: hold time %v is not whole seconds", p.Address, p.HoldTime)
			}
			wc.Peers = append(wc.Peers, wirePeer{Address: p.Address, AS: p.AS, HoldTimeS: int64(p.HoldTime / time.Second),
				Port: p.Port, Multihop: p.Multihop, Passive: p.Passive, Password: p.Password.Reveal()})
		}
		w.Config = wc
	case Announce:
		w.Routes = []wireRoute{}
		for p, a := range c.Routes {
			r := wireRoute{Prefix: p, MED: a.MED, NextHop: a.NextHop, Communities: []string{}}
			for _, cm := range a.Communities {
				r.Communities = append(r.Communities, cm.String())
			}
			w.Routes = append(w.Routes, r)
		}
		slices.SortFunc(w.Routes, func(x, y wireRoute) int { return ComparePrefix(x.Prefix, y.Prefix) })
	case Stop:
	default:
		return nil, fmt.Errorf("bgpwire: unknown verb %q", c.Verb)
	}
	return line(string(c.Verb), w)
}

// ParseCommand reads a command line (without its newline).
func ParseCommand(b []byte) (Command, error) {
	verb, body, err := split(b)
	if err != nil {
		return Command{}, err
	}
	c := Command{Verb: Verb(verb)}
	switch c.Verb {
	case Configure, Announce, Stop:
	default:
		return Command{}, fmt.Errorf("bgpwire: unknown command (a word of %d bytes)", len(verb))
	}
	var w wireCommand
	if err := decode(body, &w); err != nil {
		return Command{}, fmt.Errorf("bgpwire: %s: %w", c.Verb, err)
	}
	c.Seq = w.Seq
	switch c.Verb {
	case Configure:
		if w.Config == nil {
			return Command{}, errors.New("bgpwire: configure without a config")
		}
		c.Config = Config{LocalAS: w.Config.LocalAS, RouterID: w.Config.RouterID, ListenPort: w.Config.ListenPort}
		for _, p := range w.Config.Peers {
			if p.HoldTimeS < 0 || p.HoldTimeS > 65535 {
				return Command{}, fmt.Errorf("bgpwire: configure: peer %s: hold time %d s", p.Address, p.HoldTimeS)
			}
			c.Config.Peers = append(c.Config.Peers, Peer{Address: p.Address, AS: p.AS, HoldTime: time.Duration(p.HoldTimeS) * time.Second,
				Port: p.Port, Multihop: p.Multihop, Passive: p.Passive, Password: secret.New(p.Password)})
		}
	case Announce:
		if w.Routes == nil {
			return Command{}, errors.New("bgpwire: announce without routes")
		}
		c.Routes = map[netip.Prefix]Attrs{}
		for _, r := range w.Routes {
			a := Attrs{MED: r.MED, NextHop: r.NextHop}
			for _, s := range r.Communities {
				cm, err := ParseCommunity(s)
				if err != nil {
					return Command{}, fmt.Errorf("bgpwire: announce %s: %w", r.Prefix, err)
				}
				a.Communities = append(a.Communities, cm)
			}
			if _, dup := c.Routes[r.Prefix]; dup {
				return Command{}, fmt.Errorf("bgpwire: announce: %s given twice", r.Prefix)
			}
			c.Routes[r.Prefix] = a
		}
	}
	return c, nil
}

// Line is r as one protocol line, newline included.
func (r Reply) Line() ([]byte, error) {
	switch r.Kind {
	case Ready:
		return line(string(r.Kind), wireReady{Protocol: r.Protocol})
	case Done:
		return line(string(r.Kind), wireDone{Seq: r.Seq, Err: r.Err})
	case StatusKind:
		return line(string(r.Kind), r.Status)
	}
	return nil, fmt.Errorf("bgpwire: unknown reply %q", r.Kind)
}

// ParseReply reads a line of the program (without its newline).
func ParseReply(b []byte) (Reply, error) {
	kind, body, err := split(b)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Kind: Kind(kind)}
	switch r.Kind {
	case Ready:
		var w wireReady
		err = decode(body, &w)
		r.Protocol = w.Protocol
	case Done:
		var w wireDone
		err = decode(body, &w)
		r.Seq, r.Err = w.Seq, w.Err
	case StatusKind:
		err = decode(body, &r.Status)
	default:
		return Reply{}, fmt.Errorf("bgpwire: unknown reply (a word of %d bytes)", len(kind))
	}
	if err != nil {
		return Reply{}, fmt.Errorf("bgpwire: %s: %w", r.Kind, err)
	}
	return r, nil
}

// NewScanner reads protocol lines from r, each up to MaxLine.
func NewScanner(r io.Reader) *bufio.Scanner {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), MaxLine)
	return s
}

// ParseCommunity reads AS:N.
func ParseCommunity(s string) (Community, error) {
	as, n, ok := strings.Cut(s, ":")
	a, err1 := strconv.ParseUint(as, 10, 16)
	v, err2 := strconv.ParseUint(n, 10, 16)
	if !ok || err1 != nil || err2 != nil {
		return Community{}, errors.New("bad community (want AS:N)")
	}
	return Community{AS: uint16(a), Value: uint16(v)}, nil
}

func line(verb string, v any) ([]byte, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("bgpwire: %s: %w", verb, err)
	}
	b := make([]byte, 0, len(verb)+len(js)+2)
	b = append(append(append(append(b, verb...), ' '), js...), '\n')
	if len(b) > MaxLine {
		return nil, fmt.Errorf("bgpwire: %s: %d bytes, more than a line may hold", verb, len(b))
	}
	return b, nil
}

func split(b []byte) (verb string, body []byte, err error) {
	v, body, ok := bytes.Cut(b, []byte{' '})
	if !ok || len(v) == 0 {
		return "", nil, errors.New("bgpwire: a line without a verb and a body")
	}
	return string(v), body, nil
}

// decode is json.Unmarshal with unknown fields refused, its errors
// stripped of the input: a configure line holds passwords, and a value
// misplaced by a bug must not reach a log through an error.
func decode(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("malformed JSON at byte %d", syn.Offset)
		case errors.As(err, &typ):
			return fmt.Errorf("field %s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errors.New("unknown field")
		}
		return errors.New("malformed value")
	}
	if d.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}
