package httpapi

import (
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// roleSystem is how the API names the role of an installation token, which has no
// administrator role of an organization.
const roleSystem = "system"

// Token is an API token as the API lists it: never with its secret.
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Role is the administrator role (full, cc_service, read_only), or "system" for an
	// installation token.
	Role string `json:"role"`
	// OrgID is the organization the token administers; nil for an installation token.
	OrgID     *string   `json:"orgId"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	// LastUsedAt is when the token was last used, to about five minutes; nil when never.
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// CreatedToken answers the creation of a token: the token and its secret, shown only this once.
type CreatedToken struct {
	Token
	Secret string `json:"token"`
}

// TokenList is the answer of the token lists.
type TokenList struct {
	Items []Token `json:"items"`
}

// NewToken is the body of POST .../tokens. Role is required for an organization's token; for
// an installation token it is absent or "system".
type NewToken struct {
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

func tokenJSON(t *roster.APIToken) Token {
	out := Token{ID: t.ID, Name: t.Name, Role: string(t.Role), CreatedAt: t.CreatedAt.UTC(), CreatedBy: t.CreatedBy,
		LastUsedAt: timeOrNil(t.LastUsedAt)}
	if t.System {
		out.Role = roleSystem
	} else {
		org := t.OrgID
		out.OrgID = &org
	}
	return out
}

func (api *API) listOrgTokens(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	return api.listTokens(w, r, a, r.PathValue("org"))
}

func (api *API) listSystemTokens(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	return api.listTokens(w, r, a, "")
}

// listTokens lists the tokens of an organization, or the installation tokens when orgID is "".
func (api *API) listTokens(w http.ResponseWriter, r *http.Request, a roster.Actor, orgID string) error {
	if _, err := query(r); err != nil {
		return err
	}
	tokens, err := api.svc.Tokens(r.Context(), a, orgID)
	if err != nil {
		return err
	}
	list := TokenList{Items: make([]Token, len(tokens))}
	for i, t := range tokens {
		list.Items[i] = tokenJSON(t)
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) createOrgToken(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in NewToken
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return api.createToken(w, r, a, provision.NewToken{OrgID: r.PathValue("org"), Name: in.Name, Role: roster.AdminRole(in.Role)})
}

func (api *API) createSystemToken(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in NewToken
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Role != "" && in.Role != roleSystem {
		return roster.InvalidFields(roster.FieldError{Field: "role", Code: roster.CodeInvalid,
			Message: `An installation token has the role "system"; leave role out. Create tokens with an administrator role under /api/v1/orgs/{org}/tokens.`})
	}
	return api.createToken(w, r, a, provision.NewToken{Name: in.Name, System: true})
}

func (api *API) createToken(w http.ResponseWriter, r *http.Request, a roster.Actor, in provision.NewToken) error {
	t, secret, err := api.svc.CreateToken(r.Context(), a, in)
	if err != nil {
		return err
	}
	// The secret must not be kept by caches on the way.
	w.Header().Set("Cache-Control", "no-store")
	return ok(w, http.StatusCreated, CreatedToken{Token: tokenJSON(t), Secret: secret})
}

func (api *API) deleteOrgToken(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	return api.deleteToken(w, r, a, r.PathValue("org"))
}

func (api *API) deleteSystemToken(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	return api.deleteToken(w, r, a, "")
}

func (api *API) deleteToken(w http.ResponseWriter, r *http.Request, a roster.Actor, orgID string) error {
	if err := api.svc.DeleteToken(r.Context(), a, orgID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
