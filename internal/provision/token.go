package provision

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"roster"
)

// tokenPrefix marks Roster secrets so that secret scanners and people recognize them.
const tokenPrefix = "rst_"

// NewToken describes a token to mint: for one organization with an administrator role, or an
// installation-wide system token.
type NewToken struct {
	OrgID  string
	Name   string
	Role   roster.AdminRole
	System bool
	// Key, when not empty, makes the creation happen once: the same actor creating a token
	// of the same organization with the same key again (a form sent twice) gets a conflict
	// rather than a second token. The secret is shown once, so it is not shown again either.
	Key string
}

// CreateToken mints an API token and returns it with its secret, which is shown only now: only
// its hash is stored. A full administrator may mint tokens of its organization; a system actor
// may mint any token.
func (s *Service) CreateToken(ctx context.Context, a roster.Actor, in NewToken) (*roster.APIToken, string, error) {
	if in.System {
		if err := authorize(a, "", permSystem); err != nil {
			return nil, "", err
		}
		in.OrgID, in.Role = "", ""
	} else {
		if err := authorize(a, in.OrgID, permOrg); err != nil {
			return nil, "", err
		}
		if in.Role != roster.AdminFull && in.Role != roster.AdminCCService && in.Role != roster.AdminReadOnly {
			return nil, "", roster.InvalidFields(*enumError("role", string(in.Role), "full, cc_service, read_only"))
		}
	}
	if in.Name == "" {
		in.Name = string(in.Role) + " token"
		if in.System {
			in.Name = "system token"
		}
	}
	if fe := validateText("name", "The token name", in.Name, maxTextLen); fe != nil {
		return nil, "", roster.InvalidFields(*fe)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	id := roster.NewID()
	if in.Key != "" {
		id = keyedID("token", in.OrgID, a.Kind, a.ID, in.Key)
	}
	t := &roster.APIToken{
		ID: id, OrgID: in.OrgID, Name: in.Name, Role: in.Role, System: in.System,
		SecretHash: hashSecret(secret), CreatedAt: s.clock(), CreatedBy: a.Label(),
	}
	err := s.writeTokens(ctx, a, t.OrgID, func(tx roster.Tx) error {
		if err := tx.CreateToken(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, t.OrgID, "token.create", "token", t.ID, t.Name, nil, tokenFields(t))
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Tokens lists the tokens of an organization ("" with a system actor: the system tokens).
func (s *Service) Tokens(ctx context.Context, a roster.Actor, orgID string) ([]*roster.APIToken, error) {
	need := permOrg
	if orgID == "" {
		need = permSystem
	}
	if err := authorize(a, orgID, need); err != nil {
		return nil, err
	}
	return s.store.FindTokens(ctx, orgID)
}

// DeleteToken revokes a token at once.
func (s *Service) DeleteToken(ctx context.Context, a roster.Actor, orgID, id string) error {
	return s.writeTokens(ctx, a, orgID, func(tx roster.Tx) error {
		tokens, err := tx.FindTokens(ctx, orgID)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.ID == id {
				if err := tx.DeleteToken(ctx, orgID, id); err != nil {
					return err
				}
				return s.audit(ctx, tx, a, orgID, "token.delete", "token", t.ID, t.Name, tokenFields(t), nil)
			}
		}
		return roster.Errorf(roster.CodeNotFound, "The token was not found.")
	})
}

// Authenticate returns the actor a bearer secret stands for. Every failure is the same
// unauthorized error, so a caller learns nothing about which tokens exist.
func (s *Service) Authenticate(ctx context.Context, secret string, via roster.Interface) (roster.Actor, error) {
	denied := roster.Errorf(roster.CodeUnauthorized, "A valid API token is required: send it as Authorization: Bearer <token>.")
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 128 {
		return roster.Actor{}, denied
	}
	t, err := s.store.FindTokenByHash(ctx, hashSecret(secret))
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return roster.Actor{}, denied
	}
	if err != nil {
		return roster.Actor{}, err
	}
	s.touch(ctx, t)
	return roster.Actor{Kind: "token", ID: t.ID, Name: t.Name, OrgID: t.OrgID, Role: t.Role, System: t.System, Interface: via}, nil
}

// tokenUseEvery is how often the use of a token is recorded: enough for an administrator to
// see which tokens are unused, at one write per token per period rather than per request.
const tokenUseEvery = 5 * time.Minute

// touch records the use of t when its last recorded use is older than tokenUseEvery. It is
// best effort: a request does not wait long for the writer, nor fail when it is busy.
func (s *Service) touch(ctx context.Context, t *roster.APIToken) {
	now := s.clock()
	if now.Sub(t.LastUsedAt) < tokenUseEvery {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 250*time.Millisecond)
	defer cancel()
	err := s.writeAccess(ctx, func(tx accessTx) error { return tx.TouchToken(ctx, t.ID, now, now.Add(-tokenUseEvery)) })
	if err != nil {
		s.log.WarnContext(ctx, "record the use of a token", "token", t.ID, "err", err)
	}
}

// writeTokens runs fn, a change of the tokens of organization orgID, as a write of that
// organization by a full administrator; the system tokens (orgID "") belong to the
// installation, and only a system actor changes them.
func (s *Service) writeTokens(ctx context.Context, a roster.Actor, orgID string, fn func(tx roster.Tx) error) error {
	if orgID == "" {
		return s.writeInstallation(ctx, a, fn)
	}
	return s.writeOrg(ctx, a, permOrg, orgID, func(tx roster.Tx, _ *roster.Org) error { return fn(tx) })
}

// keyedID derives an id from parts that name one creation, so that creating again with the
// same parts names the same row, which the store refuses as a conflict. It has the layout of a
// UUID (version 8, RFC 9562's custom version), like the random ids.
func keyedID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// hashSecret hashes a token secret. Secrets carry 256 random bits, so a plain SHA-256 (not a
// slow password hash) is enough and keeps every request's lookup cheap.
func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func tokenFields(t *roster.APIToken) map[string]any {
	return map[string]any{"name": t.Name, "role": string(t.Role), "system": t.System, "orgId": t.OrgID}
}

// System is the installation acting on its own behalf: the CLI working on the local data
// directory, and background workers.
func System(via roster.Interface) roster.Actor {
	return roster.Actor{Kind: "system", Name: "system", System: true, Interface: via}
}
