package main

import (
	"flag"
	"fmt"
)

// pages says how much of a list to read: the flags --limit, --cursor and --all.
type pages struct {
	limit  int
	cursor string
	all    bool
}

// register adds --limit, --cursor and, withAll, --all; noun names the items ("users").
func (p *pages) register(fs *flag.FlagSet, noun string, withAll bool) {
	fs.IntVar(&p.limit, "limit", 100, noun+" per page (at most 1000)")
	fs.StringVar(&p.cursor, "cursor", "", "cursor of the page to read, from the previous page")
	if withAll {
		fs.BoolVar(&p.all, "all", false, "read every page")
	}
}

// readList reads the page of a list at --cursor and, with --all, every page after it. read
// fetches one page, of --limit items, at a cursor; parts returns where a page keeps its items
// and the cursor of the page after it (nil after the last). readList returns the last page
// read, holding the items of every page read, as --json prints it.
func readList[L, T any](p pages, read func(limit int, cursor string) (*L, error), parts func(*L) (*[]T, *string)) (*L, error) {
	var items []T
	cursor := p.cursor
	for {
		page, err := read(p.limit, cursor)
		if err != nil {
			return nil, err
		}
		pageItems, next := parts(page)
		items = append(items, *pageItems...)
		if !p.all || next == nil {
			*pageItems = items
			return page, nil
		}
		cursor = *next
	}
}

// nextPage says, under a table, how to read the page after it, if there is one.
func (r *remote) nextPage(next *string) {
	if next != nil {
		fmt.Fprintf(r.stdout, "\nnext page: --cursor %s\n", *next)
	}
}
