package testutil

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// UnitService reads the [Service] section of a systemd unit file into a
// map, key to its values in order. Exec* lines may repeat (systemd runs
// them one after the other); any other key set twice is an error rather
// than a value lost.
func UnitService(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			if _, dup := m[k]; dup && !strings.HasPrefix(k, "Exec") {
				return nil, fmt.Errorf("%s: %s set twice", path, k)
			}
			m[k] = append(m[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
