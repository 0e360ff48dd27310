package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roster"
	"roster/internal/console"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

func TestInvitationPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store, provision.WithBaseURL("http://roster.test"))
	sys := provision.System(roster.ViaCLI)
	name := "Acme <AB>"
	o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", PreferredLanguage: "sv"}); err != nil {
		t.Fatal(err)
	}
	page, err := svc.Emails(ctx, sys, roster.EmailFilter{OrgID: o.ID})
	if err != nil || len(page.Emails) != 1 {
		t.Fatalf("outbox %v %v", page, err)
	}
	path := strings.TrimPrefix(page.Emails[0].Link, "http://roster.test")

	mux := http.NewServeMux()
	console.New(console.Config{Service: svc, Logger: slog.New(slog.DiscardHandler)}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	do := func(method, path, lang string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	tests := []struct {
		name, method, path, lang string
		status                   int
		want                     []string
	}{
		{"shown in the user's language, names escaped", "GET", path, "en", 200,
			[]string{`lang="sv"`, "Hej Ada!", "Acme &lt;AB&gt;", "ada@acme.example", "Acceptera inbjudan"}},
		{"accepted", "POST", path, "en", 200, []string{"Välkommen! Ditt konto är aktiverat."}},
		{"accepted once", "POST", path, "en", 410, []string{"redan accepterats"}},
		{"a link never issued, in the browser's language", "GET", "/invite/nothing", "nl-NL,nl;q=0.9,en;q=0.8", 404,
			[]string{`lang="nl"`, "niet geldig"}},
		{"an unsupported browser language", "GET", "/invite/nothing", "fr", 404, []string{`lang="en"`, "not valid"}},
	}
	for _, tt := range tests {
		status, h, body := do(tt.method, tt.path, tt.lang)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d\n%s", tt.name, status, tt.status, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page does not contain %q:\n%s", tt.name, w, body)
			}
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", tt.name, h)
		}
	}
	u, err := store.FindUserByEmail(ctx, "ada@acme.example")
	if err != nil || u.Status != roster.StatusActive {
		t.Fatalf("user %+v, %v", u, err)
	}
}

// TestAdministratorSetsPassword: an administrator's invitation asks for a console password,
// twice, long enough.
func TestAdministratorSetsPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store, provision.WithBaseURL("http://roster.test"))
	sys := provision.System(roster.ViaCLI)
	name := "Acme"
	o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: "boss@acme.example", FirstName: "Bo"})
	if err != nil {
		t.Fatal(err)
	}
	role := roster.AdminFull
	if _, err := svc.UpdateUser(ctx, sys, o.ID, u.ID, provision.UserChange{AdminRole: &role}, 0); err != nil {
		t.Fatal(err)
	}
	page, err := svc.Emails(ctx, sys, roster.EmailFilter{OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(page.Emails[0].Link, "http://roster.test")
	mux := http.NewServeMux()
	console.New(console.Config{Service: svc, Logger: slog.New(slog.DiscardHandler)}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(form url.Values) (int, string) {
		t.Helper()
		resp, err := http.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(b), `name="password"`) || !strings.Contains(string(b), "choose the password") {
		t.Fatalf("no password form:\n%s", b)
	}
	if status, body := post(url.Values{"password": {"long enough password"}, "confirm": {"another password!!"}}); status != 422 ||
		!strings.Contains(body, "The two passwords differ") {
		t.Errorf("mismatch: %d\n%s", status, body)
	}
	if status, body := post(url.Values{"password": {"short"}, "confirm": {"short"}}); status != 422 ||
		!strings.Contains(body, "at least 12 characters") {
		t.Errorf("too short: %d\n%s", status, body)
	}
	if status, body := post(url.Values{"password": {"long enough password"}, "confirm": {"long enough password"}}); status != 200 ||
		!strings.Contains(body, "Your account is active") {
		t.Errorf("accept: %d\n%s", status, body)
	}
	if _, err := store.FindConsolePassword(ctx, u.ID); err != nil {
		t.Errorf("no console password stored: %v", err)
	}
}

// countingBody is a request body of n bytes that counts how many were read.
type countingBody struct {
	n, read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.read >= b.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), b.n-b.read)
	for i := range p[:k] {
		p[i] = 'a'
	}
	b.read += k
	return int(k), nil
}

func (b *countingBody) Close() error { return nil }

// TestFormBounds posts bodies no browser sends to an invitation link that names no one: a
// multipart upload is refused unread, and a URL-encoded body is read only up to the bound of
// console forms.
func TestFormBounds(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	mux := http.NewServeMux()
	console.New(console.Config{Service: provision.New(store), Logger: slog.New(slog.DiscardHandler)}).Register(mux)
	tests := []struct {
		name        string
		contentType string
		size        int64
		status      int
		maxRead     int64
	}{
		{"a multipart upload", "multipart/form-data; boundary=x", 200 << 20, http.StatusUnsupportedMediaType, 0},
		{"another type", "text/plain", 1 << 20, http.StatusUnsupportedMediaType, 0},
		{"a large form", "application/x-www-form-urlencoded", 200 << 20, http.StatusRequestEntityTooLarge, 80 << 10},
		{"a form of the right size", "application/x-www-form-urlencoded", 4 << 10, http.StatusNotFound, 4 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := &countingBody{n: tt.size}
			req := httptest.NewRequest("POST", "/invite/nothing", body)
			req.ContentLength = tt.size
			req.Header.Set("Content-Type", tt.contentType)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if body.read > tt.maxRead {
				t.Errorf("the console read %d bytes of the body, want at most %d", body.read, tt.maxRead)
			}
		})
	}
}
