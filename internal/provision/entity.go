package provision

import (
	"context"
	"strings"

	"roster"
)

// The contact-center entities of SPEC §3 — sites, teams, skill, agent and multimedia profiles,
// and user profiles — are created, changed and deleted by one code path: createEntity,
// changeEntity and deleteEntity below, keyed by an entityKind that says how the kind is
// stored, named, audited and held. The rules that differ by kind sit in its entityKind:
// portal.go (sites, teams, portal profiles) and userprofile.go (user profiles, and the rule
// that built-in profiles cannot be changed).
//
// Every kind's names are unique per kind in the organization, ignoring case. Any
// administrator reads the entities; full and contact center service administrators change
// them. An entity that something holds cannot be deleted, and every write locks the
// organization first.

// entity is a pointer to a contact-center entity type; each embeds roster.Entity.
type entity interface {
	Base() *roster.Entity
}

// entityKind is one kind of contact-center entity, as the one code path writes it.
type entityKind[E entity] struct {
	kind string // the audit target kind, and the prefix of its actions: site, skill_profile, ...
	noun string // the kind in messages: "site", "skill profile"
	// find reads one entity to change; inside a write it locks it. The four store calls take
	// the store first, as the method expressions of roster.Reader and roster.Tx do.
	find   func(r roster.Reader, ctx context.Context, orgID, id string) (E, error)
	create func(tx roster.Tx, ctx context.Context, e E) error
	update func(tx roster.Tx, ctx context.Context, e E) error
	delete func(tx roster.Tx, ctx context.Context, orgID, id string) error
	// fields are what the audit trail records of an entity; a change records those it changed.
	fields func(e E) map[string]any
	// check, when set, checks the references of a new entity in the organization.
	check func(ctx context.Context, r roster.Reader, e E) error
	// inUse refuses to delete an entity that something holds.
	inUse func(ctx context.Context, r roster.Reader, e E) error
}

// newEntity returns the common fields of an entity of the organization to create.
func (s *Service) newEntity(orgID, name string) roster.Entity {
	now := s.clock()
	return roster.Entity{ID: roster.NewID(), OrgID: orgID, Name: strings.TrimSpace(name), CreatedAt: now, UpdatedAt: now, Version: 1}
}

// createEntity creates e after checking that the actor may and that its fields, checked by
// the caller, are valid (invalid lists what is not).
func createEntity[E entity](ctx context.Context, s *Service, a roster.Actor, k *entityKind[E], e E, invalid ...*roster.FieldError) (E, error) {
	var none E
	b := e.Base()
	if err := checkEntityChange(a, b.OrgID, invalid); err != nil {
		return none, err
	}
	err := s.writeOrg(ctx, a, permLicenses, b.OrgID, func(tx roster.Tx, _ *roster.Org) error {
		if k.check != nil {
			if err := k.check(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := k.create(tx, ctx, e); err != nil {
			return nameTaken(err, k.noun, b.Name)
		}
		return s.audit(ctx, tx, a, b.OrgID, k.kind+".create", k.kind, b.ID, b.Name, nil, k.fields(e))
	})
	if err != nil {
		return none, err
	}
	return e, nil
}

// changeEntity applies change to entity id of kind k, when expectVersion (0 for any) is its
// version, and writes and audits what it changed; an entity change leaves as it was is not
// written. change returns an error to refuse the change.
func changeEntity[E entity](ctx context.Context, s *Service, a roster.Actor, k *entityKind[E], orgID, id string, expectVersion int64,
	change func(tx roster.Tx, e E) error, invalid ...*roster.FieldError) (E, error) {
	var none, e E
	if err := checkEntityChange(a, orgID, invalid); err != nil {
		return none, err
	}
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		var err error
		if e, err = k.find(tx, ctx, orgID, id); err != nil {
			return err
		}
		b := e.Base()
		if expectVersion != 0 && b.Version != expectVersion {
			return staleVersion()
		}
		before := k.fields(e)
		if err := change(tx, e); err != nil {
			return err
		}
		changedBefore, changedAfter := diff(before, k.fields(e))
		if len(changedAfter) == 0 {
			return nil
		}
		b.UpdatedAt = s.clock()
		if err := k.update(tx, ctx, e); err != nil {
			return nameTaken(err, k.noun, b.Name)
		}
		return s.audit(ctx, tx, a, orgID, k.kind+".update", k.kind, b.ID, b.Name, changedBefore, changedAfter)
	})
	if err != nil {
		return none, err
	}
	return e, nil
}

// renameEntity renames entity id of kind k; checkName checks the new name.
func renameEntity[E entity](ctx context.Context, s *Service, a roster.Actor, k *entityKind[E], orgID, id, name string, expectVersion int64,
	checkName func(string) *roster.FieldError) (E, error) {
	name = strings.TrimSpace(name)
	return changeEntity(ctx, s, a, k, orgID, id, expectVersion, func(_ roster.Tx, e E) error {
		e.Base().Name = name
		return nil
	}, checkName(name))
}

// deleteEntity deletes entity id of kind k when expectVersion (0 for any) is its version and
// nothing holds it.
func deleteEntity[E entity](ctx context.Context, s *Service, a roster.Actor, k *entityKind[E], orgID, id string, expectVersion int64) error {
	return s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		e, err := k.find(tx, ctx, orgID, id)
		if err != nil {
			return err
		}
		b := e.Base()
		if expectVersion != 0 && b.Version != expectVersion {
			return staleVersion()
		}
		if err := k.inUse(ctx, tx, e); err != nil {
			return err
		}
		if err := k.delete(tx, ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, k.kind+".delete", k.kind, b.ID, b.Name, k.fields(e), nil)
	})
}

// checkEntityChange checks that the actor may change the entities of the organization, and
// then that the fields of the change are valid: nil entries of invalid are fields that are.
func checkEntityChange(a roster.Actor, orgID string, invalid []*roster.FieldError) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	var errs []roster.FieldError
	for _, fe := range invalid {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(errs) > 0 {
		return roster.InvalidFields(errs...)
	}
	return nil
}

// authorizedRead checks that the actor may read the entities of the organization, and reads
// them with find.
func authorizedRead[T any](a roster.Actor, orgID string, find func() (T, error)) (T, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		var none T
		return none, err
	}
	return find()
}

// nameOnly is what the audit trail records of an entity that has only a name.
func nameOnly[E entity](e E) map[string]any { return map[string]any{"name": e.Base().Name} }

// heldBy refuses to delete an entity that holders (emails, up to six) hold, naming up to
// five of them. noun and name say what the entity is; instead says what to give them.
func heldBy(holders []string, noun, name, instead string) error {
	if len(holders) == 0 {
		return nil
	}
	return roster.Errorf(roster.CodeInUse, "The %s %s is in use by %s; give them %s first.", noun, name, listNames(holders, 5), instead)
}

// agentsHolding refuses to delete an entity that agents hold (see heldBy); the refusal's
// parameter Agents is how many do, for the console to say.
func agentsHolding(ctx context.Context, r roster.Reader, orgID, id, noun, name, instead string) error {
	agents, err := r.FindAgentsUsing(ctx, orgID, id, 6)
	if err != nil || len(agents) == 0 {
		return err
	}
	count, err := r.CountAgentsUsing(ctx, orgID, id)
	if err != nil {
		return err
	}
	emails := make([]string, len(agents))
	for i, ag := range agents {
		emails[i] = ag.Email
	}
	return roster.Errorf(roster.CodeInUse, "%s", roster.ErrorMessage(heldBy(emails, noun, name, instead))).With("Agents", count)
}

// listNames joins up to most names with commas, and says "and others" when there are more.
func listNames(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + " and others"
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
