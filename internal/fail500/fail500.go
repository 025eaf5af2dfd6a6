// Package fail500 lets a test run catch every HTTP 500 that Cairn's
// handlers answer, whichever test provoked it and whatever the test itself
// checks: bad input must get a 4xx, and a 500 is a bug.
//
// Every place that writes a 500 (the API's problem documents, the public
// and admin pages, the transparency log and witness servers) calls Record.
// When the environment variable CAIRN_FAIL_ON_500 names a file, Record
// appends one line to it; .ci/run sets the variable for its go test steps
// and fails when the file is not empty. Without the variable Record does
// nothing. A test that provokes a 500 on purpose unsets the variable with
// t.Setenv(fail500.EnvVar, "").
package fail500

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// EnvVar names the file Record appends to.
const EnvVar = "CAIRN_FAIL_ON_500"

var mu sync.Mutex

// Record notes that the handler serving r answered 500 because of err: it
// appends "time program method path: err" as one line to the file
// $CAIRN_FAIL_ON_500 names, if it names one. r and err may be nil.
func Record(r *http.Request, err error) {
	name := os.Getenv(EnvVar)
	if name == "" {
		return
	}
	method, path := "-", "-"
	if r != nil {
		method, path = r.Method, r.URL.Path
	}
	msg := "(no error)"
	if err != nil {
		msg = strings.ReplaceAll(err.Error(), "\n", `\n`)
	}
	line := fmt.Sprintf("%s %s %s %s: %s\n", time.Now().UTC().Format(time.RFC3339), filepath.Base(os.Args[0]), method, path, msg)
	mu.Lock()
	defer mu.Unlock()
	f, ferr := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if ferr != nil {
		fmt.Fprintf(os.Stderr, "fail500: %v; the 500 was: %s", ferr, line)
		return
	}
	defer f.Close()
	if _, ferr := f.WriteString(line); ferr != nil {
		fmt.Fprintf(os.Stderr, "fail500: %v; the 500 was: %s", ferr, line)
	}
}
