package i18n_test

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"roster"
	"roster/internal/i18n"
)

// categories are the CLDR plural categories of each language, as every plural message of the
// language must have them: no fewer (go-i18n falls back to "other" with an error) and no more.
var categories = map[roster.Language][]string{
	roster.English: {"one", "other"},
	roster.Swedish: {"one", "other"},
	roster.Dutch:   {"one", "other"},
	roster.Spanish: {"many", "one", "other"},
	roster.Polish:  {"few", "many", "one", "other"},
}

// sameAsEnglish are the messages that read the same in a language as in English: names,
// codes and words the languages share. Anything else equal to the English is untranslated.
var sameAsEnglish = map[string]bool{
	"count.capped": true, "platform.1.0": true, "task.progress": true, "wizard.error.at_person": true,
	"sv:field.status": true, "nl:field.status": true, "sv:users.chip.status": true, "nl:users.chip.status": true,
	"sv:ccrole.agent": true, "nl:ccrole.agent": true, "pl:ccrole.agent": true, "nl:ccrole.supervisor": true,
	"es:ccrole.supervisor": true, "es:layout.error_prefix": true,
	"nl:account.browser": true, "es:outcome.error": true, "nl:overview.platform": true,
	"user.via.scim": true, "nl:profiletype.supervisor": true, "es:profiletype.supervisor": true,
	"pl:profiletype.administrator": true,
	"sv:audit.target.team":         true, "nl:audit.target.team": true, "nl:audit.field.teamIds": true, "nl:field.interface": true, "es:audit.value.no": true, "es:cc.no": true, "nl:cc.kind.teams": true, "sv:cc.filter.team": true, "nl:cc.filter.team": true, "nl:field.teamIds": true,
	"sv:orgs.partner": true, "nl:orgs.partner": true, "pl:orgs.partner": true,
	"sv:settings.section.partner": true, "nl:settings.section.partner": true, "pl:settings.section.partner": true,
}

// file is one catalog file as JSON: a message is a string, or a plural's forms.
type file map[string]any

func readFiles(t *testing.T) map[string]map[roster.Language]file {
	t.Helper()
	files, err := i18n.Files()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[roster.Language]file{}
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		var m file
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if out[f.Area] == nil {
			out[f.Area] = map[roster.Language]file{}
		}
		out[f.Area][f.Lang] = m
	}
	return out
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(v any) []string {
	var texts []string
	switch m := v.(type) {
	case string:
		texts = []string{m}
	case map[string]any:
		for _, f := range m {
			s, _ := f.(string)
			texts = append(texts, s)
		}
	}
	set := map[string]bool{}
	for _, s := range texts {
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			set[m[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// TestCatalogComplete checks that every area has every language, with the same keys and the
// same placeholders, the plural categories of each language, and no English left in the
// other languages.
func TestCatalogComplete(t *testing.T) {
	areas := readFiles(t)
	if len(areas) == 0 {
		t.Fatal("no catalog files")
	}
	for area, langs := range areas {
		en := langs[roster.English]
		if en == nil {
			t.Errorf("area %s has no English file", area)
			continue
		}
		for _, lang := range roster.Languages {
			m := langs[lang]
			if m == nil {
				t.Errorf("area %s has no %s file", area, lang)
				continue
			}
			for key, ev := range en {
				v, ok := m[key]
				if !ok {
					t.Errorf("%s.%s.json lacks %s", area, lang, key)
					continue
				}
				if got, want := placeholders(v), placeholders(ev); !slices.Equal(got, want) {
					t.Errorf("%s.%s.json %s has placeholders %v, English has %v", area, lang, key, got, want)
				}
				switch v := v.(type) {
				case map[string]any:
					if _, plural := ev.(map[string]any); !plural {
						t.Errorf("%s.%s.json %s is a plural, not in English", area, lang, key)
					}
					got := slices.Sorted(maps.Keys(v))
					if !slices.Equal(got, categories[lang]) {
						t.Errorf("%s.%s.json %s has the forms %v, %s has %v", area, lang, key, got, lang, categories[lang])
					}
				case string:
					if lang != roster.English && v == ev && !sameAsEnglish[key] && !sameAsEnglish[string(lang)+":"+key] {
						t.Errorf("%s.%s.json %s is the English text %q", area, lang, key, v)
					}
					if strings.TrimSpace(v) == "" {
						t.Errorf("%s.%s.json %s is empty", area, lang, key)
					}
				}
			}
			for key := range m {
				if _, ok := en[key]; !ok {
					t.Errorf("%s.%s.json has %s, which English has not", area, lang, key)
				}
			}
		}
	}
}

// TestPluralsRender renders every plural message at the counts that pick each form.
func TestPluralsRender(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, langs := range readFiles(t) {
		for key, v := range langs[roster.English] {
			if _, ok := v.(map[string]any); ok {
				keys = append(keys, key)
			}
		}
	}
	if len(keys) == 0 {
		t.Fatal("no plural message")
	}
	sort.Strings(keys)
	for _, lang := range roster.Languages {
		l := cat.For(lang)
		for _, key := range keys {
			for _, n := range []int{0, 1, 2, 5, 12, 21, 22, 25, 101, 112, 1_000_000} {
				got := l.Plural(key, n)
				if got == key || strings.Contains(got, "<no value>") || !strings.Contains(got, l.Num(n)) {
					t.Errorf("%s %s at %d: %q", lang, key, n, got)
				}
			}
		}
	}
	pl := cat.For(roster.Polish)
	for n, want := range map[int]string{1: "1 użytkownik", 2: "2 użytkowników", 5: "5 użytkowników", 22: "22 użytkowników", 112: "112 użytkowników"} {
		if got := pl.Plural("users.count", n); got != want {
			t.Errorf("pl users.count %d: %q, want %q", n, got, want)
		}
	}
	if got := cat.For(roster.Spanish).Plural("users.count", 1_000_000); got != "1.000.000 de usuarios" {
		t.Errorf("es users.count 1000000: %q", got)
	}
}

// TestNumbers formats numbers in each language's grouping.
func TestNumbers(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := map[roster.Language]string{
		roster.English: "1,000,000", roster.Swedish: "1\u00a0000\u00a0000", roster.Polish: "1\u00a0000\u00a0000",
		roster.Dutch: "1.000.000", roster.Spanish: "1.000.000",
	}
	for lang, w := range want {
		if got := cat.For(lang).Num(1_000_000); got != w {
			t.Errorf("%s: %q, want %q", lang, got, w)
		}
	}
}

// TestEveryCodeHasAMessage checks that each error code of the domain reads as a sentence of
// its own in every language, not as the generic one.
func TestEveryCodeHasAMessage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range roster.Languages {
		l := cat.For(lang)
		for _, code := range roster.Codes {
			if !l.Has("error." + string(code)) {
				t.Errorf("%s: no message for the code %s", lang, code)
			}
		}
	}
}

// TestSpreadsheetCodes checks that the messages of spreadsheet damage name the column when they know it, and read well without it: the
// report rows that carry them keep no parameters.
func TestSpreadsheetCodes(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range roster.Languages {
		l := cat.For(lang)
		for _, code := range []roster.Code{roster.CodeLostCharacters, roster.CodePhoneLostPlus, roster.CodePhoneScientific} {
			with := l.Code(code, map[string]any{"Column": `"Phone Number"`})
			without := l.Code(code, nil)
			if !strings.Contains(with, `"Phone Number"`) || strings.Contains(without, "no value") || strings.Contains(without, "{{") {
				t.Errorf("%s %s:\n with the column: %s\n without: %s", lang, code, with, without)
			}
		}
	}
}
