// Command ferretdb runs FerretDB 1.24.2 on its SQLite backend through FerretDB's embeddable
// package. The stock cmd/ferretdb cannot be used from the module proxy: its build/version
// package panics at start-up because the generated version.txt is not part of the module zip.
//
// It listens on the Unix socket --listen-unix only, so no other user of the machine can reach the
// database (it has no authentication): --data-dir, where the app puts the socket, is made private
// to the user who runs it. It prints the MongoDB URI as the first line on stdout once it accepts
// connections, and shuts down cleanly on SIGINT or SIGTERM, or,
// with --stop-on-stdin-eof, when its standard input closes: a parent that holds the other end of
// that pipe takes the database down with it however it dies, even by SIGKILL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// walSizeLimit is the size, in bytes, a database's write-ahead log is cut back to once a checkpoint
// has copied it into the database (SQLite's journal_size_limit). A burst of writes with readers
// in between grows the log far beyond its usual few megabytes, and without a limit the file
// keeps that size for good. Four automatic checkpoints' worth: a steady load never cuts it.
const walSizeLimit = 16 << 20

func main() {
	dataDir := flag.String("data-dir", ".data", "directory for the SQLite database files")
	listenUnix := flag.String("listen-unix", "", "Unix domain socket path to listen on (required)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	stopOnStdinEOF := flag.Bool("stop-on-stdin-eof", false, "shut down when standard input closes")
	flag.Parse()

	// FerretDB allocates for every document it decodes, so at Go's default GOGC=100 the collector
	// takes a large share of reading a page (figures: bench/README.md). The soft memory limit makes
	// the collector work harder instead once the heap nears it. GOGC and GOMEMLIMIT in the
	// environment still win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	absDir, err := filepath.Abs(*dataDir)
	if err != nil {
		fail(err)
	}
	if *listenUnix == "" {
		fail(errors.New("--listen-unix is required"))
	}
	if err = makePrivateDir(absDir); err != nil {
		fail(err)
	}
	// the app puts the socket in absDir, or in a private directory of its own (a long path)
	if err = os.MkdirAll(filepath.Dir(*listenUnix), 0o700); err != nil {
		fail(err)
	}
	if err = removeStaleSocket(*listenUnix); err != nil {
		fail(err)
	}

	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: *listenUnix},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + absDir + "/?_pragma=journal_size_limit(" + strconv.Itoa(walSizeLimit) + ")",
	})
	if err != nil {
		fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *stopOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan error, 1)
	go func() { done <- db.Run(ctx) }()

	// MongoDBURI blocks until the listener is bound.
	fmt.Println(db.MongoDBURI())

	if err = <-done; err != nil {
		fail(err)
	}
}

// makePrivateDir creates dir, or takes an existing one (made by an earlier version, say) back from
// other users: the SQLite files hold password hashes and sessions.
func makePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// removeStaleSocket removes the socket file a FerretDB killed without its shutdown left behind.
// A socket something still listens on is another FerretDB on the same files: that is refused.
func removeStaleSocket(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	if conn, dialErr := net.Dial("unix", path); dialErr == nil {
		_ = conn.Close()
		return fmt.Errorf("another FerretDB already listens on %s", path)
	}
	return os.Remove(path)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ferretdb:", err)
	os.Exit(1)
}
