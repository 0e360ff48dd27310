package console

import (
	"testing"

	"roster"
	"roster/internal/i18n"
)

// TestAuditNamesInCatalog: every action and interface the audit log's filter offers has its
// name in every language, so that no entry reads as a code.
func TestAuditNamesInCatalog(t *testing.T) {
	t.Parallel()
	cat := i18n.MustLoad()
	for _, lang := range roster.Languages {
		l := cat.For(lang)
		for _, a := range auditActions {
			if !l.Has("audit.action." + a) {
				t.Errorf("%s: no name for the action %s", lang, a)
			}
		}
		for _, via := range auditInterfaces {
			if !l.Has("user.via." + string(via)) {
				t.Errorf("%s: no name for the interface %s", lang, via)
			}
		}
	}
}
