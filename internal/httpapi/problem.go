package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"roster"
	"roster/internal/provision"
)

// Codes of the HTTP transport itself. They describe a request the API cannot even read, so
// they have no place in the domain's list; the OpenAPI document lists them with the others.
const (
	codeMethodNotAllowed     roster.Code = "method_not_allowed"
	codeUnsupportedMediaType roster.Code = "unsupported_media_type"
	codeRequestTooLarge      roster.Code = "request_too_large"
	// CodeRequestTimeout answers a request whose body arrived too slowly; the server's
	// middleware, which watches every body, answers it.
	CodeRequestTimeout roster.Code = "request_timeout"
)

// ProblemTypePrefix starts the type URI of every problem: the type of code c is
// ProblemTypePrefix + c, a reference relative to the server. It identifies the problem; the
// codes are described in the OpenAPI document.
const ProblemTypePrefix = "/api/v1/problems/"

// Problem is an error response (RFC 9457 problem details, application/problem+json). Code is
// stable; clients match on it, not on the text.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Code   roster.Code         `json:"code"`
	Errors []roster.FieldError `json:"errors"`
	// RequestID is the X-Request-Id of the request, to quote to an operator.
	RequestID string `json:"requestId,omitempty"`
}

// problemKind is how one code is answered.
type problemKind struct {
	status int
	title  string
}

// problemKinds maps every error code to its HTTP status and title. It is the one place where
// codes become statuses; a code missing here is answered as an internal error.
var problemKinds = map[roster.Code]problemKind{
	roster.CodeInvalid:                  {http.StatusBadRequest, "Invalid input"},
	roster.CodeBatchTooLarge:            {http.StatusBadRequest, "Too many entries"},
	roster.CodeInvalidCharacters:        {http.StatusBadRequest, "Invisible or look-alike characters"},
	roster.CodeInvalidCursor:            {http.StatusBadRequest, "Invalid cursor"},
	roster.CodeDuplicateEmail:           {http.StatusBadRequest, "Email address repeated in the submission"},
	roster.CodeUnauthorized:             {http.StatusUnauthorized, "Authentication required"},
	roster.CodeForbidden:                {http.StatusForbidden, "Not allowed"},
	roster.CodeNotFound:                 {http.StatusNotFound, "Not found"},
	codeMethodNotAllowed:                {http.StatusMethodNotAllowed, "Method not allowed"},
	CodeRequestTimeout:                  {http.StatusRequestTimeout, "Request timeout"},
	roster.CodeConflict:                 {http.StatusConflict, "Conflict"},
	roster.CodeEmailExists:              {http.StatusConflict, "Email address already in use"},
	roster.CodeEmailInOtherOrg:          {http.StatusConflict, "Email address belongs to another organization"},
	roster.CodeNoSeatsAvailable:         {http.StatusConflict, "No seats available"},
	roster.CodeImportInProgress:         {http.StatusConflict, "Import in progress"},
	roster.CodeNameExists:               {http.StatusConflict, "Name already in use"},
	roster.CodeInUse:                    {http.StatusConflict, "In use"},
	roster.CodeLicenseInherited:         {http.StatusConflict, "License inherited from a group"},
	roster.CodeProfileResetUnconfirmed:  {http.StatusConflict, "Profile reset not confirmed"},
	roster.CodeTemplateOff:              {http.StatusConflict, "Automatic license assignment is off"},
	roster.CodePreconditionFailed:       {http.StatusPreconditionFailed, "Precondition failed"},
	roster.CodeVersionConflict:          {http.StatusConflict, "Changed meanwhile"},
	roster.CodeTooManyAttempts:          {http.StatusTooManyRequests, "Too many attempts"},
	codeRequestTooLarge:                 {http.StatusRequestEntityTooLarge, "Request too large"},
	roster.CodeFileTooLarge:             {http.StatusRequestEntityTooLarge, "File too large"},
	codeUnsupportedMediaType:            {http.StatusUnsupportedMediaType, "Unsupported media type"},
	roster.CodeRoleRequiresPremium:      {http.StatusUnprocessableEntity, "Role requires the premium license"},
	roster.CodeProfileMismatch:          {http.StatusUnprocessableEntity, "User profile does not match"},
	roster.CodeAdminRoleOnCreate:        {http.StatusUnprocessableEntity, "Administrator role on creation"},
	roster.CodeSupervisorAdminExclusive: {http.StatusUnprocessableEntity, "Supervisor and administrator roles exclude each other"},
	roster.CodePreconditionRequired:     {http.StatusPreconditionRequired, "Precondition required"},
	roster.CodeInternal:                 {http.StatusInternalServerError, "Internal error"},
	// Never the answer to a request: rows of an import's report carry them.
	roster.CodeLostCharacters:  {http.StatusUnprocessableEntity, "Characters lost by a spreadsheet"},
	roster.CodePhoneLostPlus:   {http.StatusUnprocessableEntity, "Phone number lost its +"},
	roster.CodePhoneScientific: {http.StatusUnprocessableEntity, "Phone number in scientific notation"},
}

// StatusOf returns the HTTP status that answers code.
func StatusOf(code roster.Code) int {
	if k, ok := problemKinds[code]; ok {
		return k.status
	}
	return http.StatusInternalServerError
}

// WriteError answers err as a problem. Internal errors, and errors with a code this transport
// does not know, are logged once with the request id and shown to the client only as "An
// internal error occurred." with that id.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := roster.ErrorCode(err)
	kind, known := problemKinds[code]
	detail := roster.ErrorMessage(err)
	reqID := requestID(r)
	if !known || code == roster.CodeInternal {
		code, kind, detail = roster.CodeInternal, problemKinds[roster.CodeInternal], "An internal error occurred."
		attrs := []any{"requestId", reqID, "method", r.Method, "path", provision.RedactLinks(r.URL.Path), "err", err}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// The client went away; nobody reads the answer and nothing is broken.
			log.InfoContext(r.Context(), "request canceled", attrs...)
		} else {
			log.ErrorContext(r.Context(), "internal error", attrs...)
		}
	}
	fields := roster.ErrorFields(err)
	if fields == nil || code == roster.CodeInternal {
		fields = []roster.FieldError{}
	}
	if code == roster.CodeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
	}
	writeJSON(w, kind.status, "application/problem+json", Problem{
		Type: ProblemTypePrefix + string(code), Title: kind.title, Status: kind.status,
		Detail: detail, Code: code, Errors: fields, RequestID: reqID,
	})
}

func (api *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, api.log, err)
}

// requestID returns the id the server's middleware gave the request.
func requestID(r *http.Request) string { return r.Header.Get("X-Request-Id") }
