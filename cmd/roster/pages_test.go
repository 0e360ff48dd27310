package main

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

// TestReadList reads a list of five items two a page: one page from the cursor given, or with
// --all every page from there, gathered on the last page read.
func TestReadList(t *testing.T) {
	t.Parallel()
	type list struct {
		items []int
		next  *string
	}
	// The cursor of a page is the position of its first item.
	read := func(limit int, cursor string) (*list, error) {
		start := 0
		if cursor != "" {
			var err error
			if start, err = strconv.Atoi(cursor); err != nil {
				return nil, errors.New("bad cursor")
			}
		}
		l := &list{items: []int{}}
		for i := start; i < min(start+limit, 5); i++ {
			l.items = append(l.items, i)
		}
		if start+limit < 5 {
			next := strconv.Itoa(start + limit)
			l.next = &next
		}
		return l, nil
	}
	parts := func(l *list) (*[]int, *string) { return &l.items, l.next }
	tests := []struct {
		name     string
		p        pages
		want     []int
		wantNext string // "" for none
		wantErr  bool
	}{
		{"first page", pages{limit: 2}, []int{0, 1}, "2", false},
		{"a page from a cursor", pages{limit: 2, cursor: "2"}, []int{2, 3}, "4", false},
		{"all pages", pages{limit: 2, all: true}, []int{0, 1, 2, 3, 4}, "", false},
		{"all pages from a cursor", pages{limit: 2, cursor: "3", all: true}, []int{3, 4}, "", false},
		{"a bad cursor", pages{limit: 2, cursor: "x", all: true}, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readList(tt.p, read, parts)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("readList = %v, want an error", got.items)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var next string
			if got.next != nil {
				next = *got.next
			}
			if !slices.Equal(got.items, tt.want) || next != tt.wantNext {
				t.Errorf("readList = %v, next %q; want %v, next %q", got.items, next, tt.want, tt.wantNext)
			}
		})
	}
}
