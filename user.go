package daiyun

import (
	"context"
	"slices"
	"time"
)

// Role is what a user may do (PRODUCT.md A4).
type Role string

// Roles. Agency roles work across the clients they are assigned to (admin and
// director see every client); client roles see their own client only.
const (
	RoleAdmin         Role = "admin"
	RoleDirector      Role = "director"
	RoleSpecialist    Role = "specialist"
	RoleAnalyst       Role = "analyst"
	RoleExpert        Role = "expert"
	RoleClientManager Role = "client_manager"
	RoleClientViewer  Role = "client_viewer"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleDirector, RoleSpecialist, RoleAnalyst, RoleExpert, RoleClientManager, RoleClientViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// IsClientRole reports whether r belongs to a brand client's user.
func (r Role) IsClientRole() bool { return r == RoleClientManager || r == RoleClientViewer }

// SeesAllClients reports whether r sees every client without assignment.
func (r Role) SeesAllClients() bool { return r == RoleAdmin || r == RoleDirector }

// User is a person who logs in: agency staff or a client's user.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	ClientID  int64     `json:"client_id,omitempty"` // set for client roles only
	Lang      string    `json:"lang"`                // zh-CN or en
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// Assignment puts a staff member on a client's team with a function
// (expert, analyst, specialist, or lead).
type Assignment struct {
	UserID   int64  `json:"user_id"`
	ClientID int64  `json:"client_id"`
	Function string `json:"function"`
}

// APIKey is a client-scoped credential for the ingestion API. The secret is
// shown once at creation and stored only as a hash.
type APIKey struct {
	ID        int64      `json:"id"`
	ClientID  int64      `json:"client_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
	Secret    string     `json:"secret,omitempty"` // only in the creation answer
}

// Actor is who is asking: the single input to every access decision. Every
// catalog and warehouse read takes it from the context and is narrowed to
// the clients it may see (the isolation choke point, PRODUCT.md A5).
type Actor struct {
	UserID   int64
	Role     Role
	ClientID int64   // for client roles
	Assigned []int64 // client ids a staff member is assigned to
	APIKeyID int64   // set when the actor is an API key (scoped to ClientID)
	System   bool    // the CLI on the local data directory, jobs and the demo generator
}

// SystemActor is used by the CLI working on local files and by background
// jobs; it sees everything.
var SystemActor = Actor{System: true, Role: RoleAdmin}

// AllClients reports whether the actor sees every client.
func (a Actor) AllClients() bool { return a.System || (a.APIKeyID == 0 && a.Role.SeesAllClients()) }

// CanSeeClient reports whether the actor may see anything of the client.
func (a Actor) CanSeeClient(clientID int64) bool {
	switch {
	case clientID == 0:
		return false
	case a.AllClients():
		return true
	case a.APIKeyID != 0 || a.Role.IsClientRole():
		return a.ClientID == clientID
	default:
		return slices.Contains(a.Assigned, clientID)
	}
}

// VisibleClients returns the client ids the actor may see, or nil with
// all=true when the actor sees every client.
func (a Actor) VisibleClients() (ids []int64, all bool) {
	switch {
	case a.AllClients():
		return nil, true
	case a.APIKeyID != 0 || a.Role.IsClientRole():
		return []int64{a.ClientID}, false
	default:
		return slices.Clone(a.Assigned), false
	}
}

// CanManageAgency reports whether the actor may create clients, shops,
// contracts and users.
func (a Actor) CanManageAgency() bool { return a.System || a.Role == RoleAdmin }

// IsStaff reports whether the actor is agency staff (or the system).
func (a Actor) IsStaff() bool { return a.System || (a.APIKeyID == 0 && !a.Role.IsClientRole()) }

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx. A context without one carries the
// zero Actor, which sees nothing: access fails closed.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Tenants is the set of clients a warehouse query may touch. It can only be
// made by TenantsFor, which checks the actor, so a warehouse call that takes
// a Tenants value cannot be reached without passing the access check.
type Tenants struct{ ids []int64 }

// IDs returns the tenant (client) ids.
func (t Tenants) IDs() []int64 { return slices.Clone(t.ids) }

// TenantsFor checks that the actor in ctx may see every one of clientIDs and
// returns them as a Tenants value. A client the actor may not see answers
// ENOTFOUND, the same as one that does not exist, so nothing leaks.
func TenantsFor(ctx context.Context, clientIDs ...int64) (Tenants, error) {
	a := ActorFrom(ctx)
	if len(clientIDs) == 0 {
		return Tenants{}, Errorf(EINVALID, "no client given")
	}
	for _, id := range clientIDs {
		if !a.CanSeeClient(id) {
			return Tenants{}, Errorf(ENOTFOUND, "client %d not found", id)
		}
	}
	return Tenants{ids: slices.Clone(clientIDs)}, nil
}
