package httpapi

import (
	_ "embed"
	"net/http"

	"roster"
)

// openAPIDocument describes every route of routes.go; TestOpenAPI keeps the two in step.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document of the API.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

func (api *API) openAPI(w http.ResponseWriter, _ *http.Request, _ roster.Actor) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
	return nil
}
