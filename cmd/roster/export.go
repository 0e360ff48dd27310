package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// exportCommand downloads the users CSV file of an organization.
type exportCommand struct {
	orgRemote
	output string
}

func (c *exportCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("export", "export --org ID [-o FILE] [flags]", outFile, true)
	fs.StringVar(&c.output, "o", "", outputUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see roster export -h)", fs.Arg(0))
	}
	if c.org == "" {
		return usageErrorf("--org is required")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	return c.writeOutput(c.output, func(w io.Writer) error { return cl.ExportUsers(ctx, c.org, w) })
}

// outputUsage is the help of the -o flag of every download.
const outputUsage = "write the file here instead of to standard output (- is standard output)"

// writeOutput writes a download: to standard output when output is "" or "-", as is the
// custom of command-line tools, else to the file output, atomically, and then says so.
func (r *remote) writeOutput(output string, write func(io.Writer) error) error {
	if output == "" || output == "-" {
		return write(r.stdout)
	}
	n, err := writeAtomically(output, write)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "Wrote %s (%d bytes).\n", output, n)
	return nil
}

// writeAtomically writes path through a temporary file in the same folder, renamed over path
// only when write succeeded, so that a failed or interrupted export never leaves a partial
// file where a complete one is expected. It returns the size written.
func writeAtomically(path string, write func(io.Writer) error) (int64, error) {
	// In the same folder, so the rename is atomic; hidden, so nobody opens it meanwhile. It is
	// created readable by its owner only: the file holds personal data.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	cw := &countingWriter{w: tmp}
	err = write(cw)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return 0, err
	}
	return cw.n, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
