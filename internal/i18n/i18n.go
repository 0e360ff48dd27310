// Package i18n holds Roster's message catalogs (English, Swedish, Dutch, Spanish and Polish)
// and formats what an administrator reads: messages with CLDR plurals, numbers and times in
// the reader's language, and the domain's error codes.
package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"roster"
)

//go:embed locales/*.json
var locales embed.FS

// File is one file of the catalog: the messages of one area (a page or a group of pages, the
// errors, the invitation) in one language, named <area>.<language>.json. Areas keep the files
// small enough for a translator to review one at a time.
type File struct {
	Path string
	Area string
	Lang roster.Language
}

// Files lists the catalog's files.
func Files() ([]File, error) {
	entries, err := locales.ReadDir("locales")
	if err != nil {
		return nil, err
	}
	var out []File
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".json")
		area, lang, ok2 := strings.Cut(base, ".")
		if !ok || !ok2 || !roster.Language(lang).Valid() {
			return nil, fmt.Errorf("catalog file %s: the name is not <area>.<language>.json", e.Name())
		}
		out = append(out, File{Path: "locales/" + e.Name(), Area: area, Lang: roster.Language(lang)})
	}
	return out, nil
}

// Catalog is every message in every language.
type Catalog struct {
	bundle *goi18n.Bundle
	langs  map[roster.Language]*Localizer
}

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
)

// Load returns the embedded catalog, read once.
func Load() (*Catalog, error) {
	loadOnce.Do(func() { loaded, loadErr = load() })
	return loaded, loadErr
}

func load() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, langs: map[roster.Language]*Localizer{}}
	files, err := Files()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		buf, err := locales.ReadFile(f.Path)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f.Path, err)
		}
		if _, err := b.ParseMessageFileBytes(buf, f.Path); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f.Path, err)
		}
	}
	for _, l := range roster.Languages {
		tag := language.MustParse(string(l))
		// Only the reader's own language: a missing message shows its key, which the
		// catalog tests and the browser tests catch, rather than English on a Polish page.
		c.langs[l] = &Localizer{lang: l, loc: goi18n.NewLocalizer(b, string(l)), num: message.NewPrinter(tag)}
	}
	return c, nil
}

// MustLoad is Load for program start, where a broken embedded catalog is a build defect.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// For returns the localizer of lang, English when lang is not one of the product's.
func (c *Catalog) For(lang roster.Language) *Localizer {
	if l, ok := c.langs[lang]; ok {
		return l
	}
	return c.langs[roster.English]
}

// Localizer formats messages in one language. It is safe for concurrent use, and a page gets
// its own in its data, never through a template's shared functions.
type Localizer struct {
	lang roster.Language
	loc  *goi18n.Localizer
	num  *message.Printer
}

// Lang is the localizer's language.
func (l *Localizer) Lang() roster.Language { return l.lang }

// Text returns the message key with its parameters, given as name, value pairs:
// Text("users.deleted", "Email", u.Email). Numbers among the values are formatted.
func (l *Localizer) Text(key string, params ...any) string {
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: l.data(params)})
	if err != nil {
		return key
	}
	return s
}

// Plural returns the form of message key for the count n, which the message shows as
// {{.N}}, formatted in the language; params as in Text.
func (l *Localizer) Plural(key string, n int, params ...any) string {
	data := l.data(params)
	data["N"] = l.Num(n)
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: n})
	if err != nil {
		return key
	}
	return s
}

// Has reports whether the catalog has message key.
func (l *Localizer) Has(key string) bool {
	_, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: map[string]any{}, PluralCount: 1})
	var missing *goi18n.MessageNotFoundErr
	return !errors.As(err, &missing)
}

func (l *Localizer) data(params []any) map[string]any {
	data := make(map[string]any, len(params)/2+1)
	for i := 0; i+1 < len(params); i += 2 {
		name, _ := params[i].(string)
		switch v := params[i+1].(type) {
		case int:
			data[name] = l.Num(v)
		case int64:
			data[name] = l.Num(int(v))
		default:
			data[name] = v
		}
	}
	return data
}

// Num formats n with the language's digit grouping: 1,000,000 in English, 1 000 000 in
// Swedish and Polish, 1.000.000 in Dutch and Spanish.
func (l *Localizer) Num(n int) string {
	return l.num.Sprintf("%d", n)
}

// Time formats t as a numeric date and time in UTC (2026-11-22 14:05), the same in every
// language so that it reads unambiguously.
func (l *Localizer) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// Error returns the message of err for an administrator: the catalog's message of its code
// (error.<code>), with the parameters the error carries. An error without a message of its
// own, internal ones included, reads as the generic one; its text never reaches the page.
func (l *Localizer) Error(err error) string {
	code := roster.ErrorCode(err)
	if code == "" {
		return ""
	}
	return l.Code(code, roster.ErrorParams(err))
}

// Code returns the catalog's message of an error or problem code with its parameters.
func (l *Localizer) Code(code roster.Code, params map[string]any) string {
	key := "error." + string(code)
	if code == roster.CodeInvalid && params["Field"] == nil {
		key = "error.invalid_input"
	}
	if !l.Has(key) {
		key = "error.internal"
	}
	pairs := make([]any, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, k, v)
	}
	return l.Text(key, pairs...)
}

// Match returns the first of the product's languages an Accept-Language header asks for, and
// false when it asks for none of them.
func Match(acceptLanguage string) (roster.Language, bool) {
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag, _, _ = strings.Cut(strings.ToLower(tag), "-")
		if l := roster.Language(tag); l.Valid() {
			return l, true
		}
	}
	return roster.English, false
}

// Keys returns the key of every message of the catalog, from the English files.
func Keys() ([]string, error) {
	files, err := Files()
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, f := range files {
		if f.Lang != roster.English {
			continue
		}
		b, err := locales.ReadFile(f.Path)
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f.Path, err)
		}
		for k := range m {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
