package checks

import (
	"errors"
	"strings"
)

// errSQLConfig is check_sql's refusal to run without login and request.
var errSQLConfig = errors.New("must specify a login and request string for MySQL, Oracle and PostgreSQL checks")

// sqlQuery is the request without its leading "/" (s#^/##).
func sqlQuery(t Target) (string, error) {
	q := strings.TrimPrefix(t.Request, "/")
	if t.Login == "" || q == "" {
		return "", errSQLConfig
	}
	return q, nil
}
