package catalog

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/daiyun/daiyun"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

func validateUser(u *daiyun.User, password string, creating bool) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if _, err := mail.ParseAddress(u.Email); err != nil || !strings.Contains(u.Email, "@") {
		return daiyun.Errorf(daiyun.EINVALID, "email %q is not an e-mail address", u.Email)
	}
	if !u.Role.Valid() {
		return daiyun.Errorf(daiyun.EINVALID, "role %q is not one of %v", u.Role, daiyun.Roles)
	}
	if u.Role.IsClientRole() && u.ClientID == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "role %s needs a client", u.Role)
	}
	if !u.Role.IsClientRole() {
		u.ClientID = 0
	}
	if u.Lang == "" {
		u.Lang = "zh-CN"
	}
	if u.Lang != "zh-CN" && u.Lang != "en" {
		return daiyun.Errorf(daiyun.EINVALID, "lang %q is not zh-CN or en", u.Lang)
	}
	if strings.TrimSpace(u.Name) == "" {
		u.Name = u.Email
	}
	if creating || password != "" {
		if utf8.RuneCountInString(password) < MinPasswordLength {
			return daiyun.Errorf(daiyun.EINVALID, "password must have at least %d characters", MinPasswordLength)
		}
	}
	return nil
}

// CreateUser adds a user with a password and sets u.ID.
func (s *Store) CreateUser(ctx context.Context, u *daiyun.User, password string) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	if err := validateUser(u, password, true); err != nil {
		return err
	}
	if u.ClientID != 0 {
		if _, err := s.Client(ctx, u.ClientID); err != nil {
			return err
		}
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	u.CreatedAt = s.now()
	err = s.db.QueryRowContext(ctx, `INSERT INTO users (email, name, role, client_id, lang, password_hash, disabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.Email, u.Name, string(u.Role), nullID(u.ClientID), u.Lang, hash, u.Disabled, u.CreatedAt).Scan(&u.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "a user with email %q already exists", u.Email)
	}
	if err != nil {
		return fmt.Errorf("catalog: create user: %w", err)
	}
	return s.audit(ctx, u.ClientID, "user.create", u.Email)
}

// UpdateUser changes a user's name, role, client, language and disabled
// flag, and the password when one is given.
func (s *Store) UpdateUser(ctx context.Context, u *daiyun.User, password string) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	if err := validateUser(u, password, false); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET name=$1, role=$2, client_id=$3, lang=$4, disabled=$5, email=$6 WHERE id=$7`,
		u.Name, string(u.Role), nullID(u.ClientID), u.Lang, u.Disabled, u.Email, u.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "a user with email %q already exists", u.Email)
	}
	if err != nil {
		return fmt.Errorf("catalog: update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user", u.ID)
	}
	if password != "" {
		hash, err := hashPassword(password)
		if err != nil {
			return err
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash=$1 WHERE id=$2`, hash, u.ID); err != nil {
			return fmt.Errorf("catalog: set password: %w", err)
		}
	}
	return s.audit(ctx, u.ClientID, "user.update", u.Email)
}

// SetLang changes the UI language of the acting user (any user may change
// their own).
func (s *Store) SetLang(ctx context.Context, userID int64, lang string) error {
	if lang != "zh-CN" && lang != "en" {
		return daiyun.Errorf(daiyun.EINVALID, "lang %q is not zh-CN or en", lang)
	}
	if a := daiyun.ActorFrom(ctx); a.UserID != userID && !a.CanManageAgency() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "you may change only your own language")
	}
	_, err := s.db.ExecContext(ctx, `UPDATE users SET lang=$1 WHERE id=$2`, lang, userID)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const userCols = `id, email, name, role, COALESCE(client_id, 0), lang, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (daiyun.User, error) {
	var u daiyun.User
	var role string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.ClientID, &u.Lang, &u.Disabled, &u.CreatedAt)
	u.Role = daiyun.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// userScope restricts user listings: admins see everyone; other staff see
// staff plus the users of clients they see; client users see their own
// client's users.
func userScope(ctx context.Context) string {
	a := daiyun.ActorFrom(ctx)
	if a.AllClients() {
		return "1=1"
	}
	scope := clientScope(ctx, "client_id")
	if a.IsStaff() {
		return "(client_id IS NULL OR " + scope + ")"
	}
	return scope
}

// Users lists the users the actor may see.
func (s *Store) Users(ctx context.Context) ([]daiyun.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE `+userScope(ctx)+` ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list users: %w", err)
	}
	defer rows.Close()
	var out []daiyun.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// User returns one user the actor may see.
func (s *Store) User(ctx context.Context, id int64) (daiyun.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id=$1 AND `+userScope(ctx), id))
	if isNoRows(err) {
		return u, notFound("user", id)
	}
	return u, err
}

// FindUser resolves a user by id or e-mail.
func (s *Store) FindUser(ctx context.Context, emailOrID string) (daiyun.User, error) {
	if id, err := strconv.ParseInt(emailOrID, 10, 64); err == nil {
		return s.User(ctx, id)
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email=$1 AND `+userScope(ctx),
		strings.ToLower(strings.TrimSpace(emailOrID))))
	if isNoRows(err) {
		return u, notFound("user", strconv.Quote(emailOrID))
	}
	return u, err
}

// DeleteUser removes a user.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE id=$1`, id); err != nil {
		return fmt.Errorf("catalog: delete user: %w", err)
	}
	return s.audit(ctx, u.ClientID, "user.delete", u.Email)
}

// Authenticate checks an e-mail and password and returns the user. Any
// failure answers the same EUNAUTHORIZED, so it does not reveal which
// e-mails exist.
func (s *Store) Authenticate(ctx context.Context, email, password string) (daiyun.User, error) {
	var hash string
	u, err := scanUserWithHash(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email=$1`,
		strings.ToLower(strings.TrimSpace(email))), &hash)
	if err != nil {
		// Spend the same time as a real check so timing does not tell.
		checkPassword(password, dummyHash)
		return daiyun.User{}, daiyun.Errorf(daiyun.EUNAUTHORIZED, "wrong e-mail or password")
	}
	if !checkPassword(password, hash) || u.Disabled {
		return daiyun.User{}, daiyun.Errorf(daiyun.EUNAUTHORIZED, "wrong e-mail or password")
	}
	return u, nil
}

// dummyHash is a valid argon2id hash of a random password.
var dummyHash, _ = hashPassword("no-such-user-password")

func scanUserWithHash(row interface{ Scan(...any) error }, hash *string) (daiyun.User, error) {
	var u daiyun.User
	var role string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.ClientID, &u.Lang, &u.Disabled, &u.CreatedAt, hash)
	u.Role = daiyun.Role(role)
	return u, err
}

// ActorFor builds the actor of a logged-in user: their role, client and the
// clients they are assigned to. It reads without an actor in ctx.
func (s *Store) ActorFor(ctx context.Context, userID int64) (daiyun.Actor, daiyun.User, error) {
	var hash string
	u, err := scanUserWithHash(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE id=$1`, userID), &hash)
	if err != nil || u.Disabled {
		return daiyun.Actor{}, u, daiyun.Errorf(daiyun.EUNAUTHORIZED, "not logged in")
	}
	a := daiyun.Actor{UserID: u.ID, Role: u.Role, ClientID: u.ClientID}
	if !u.Role.IsClientRole() && !u.Role.SeesAllClients() {
		rows, err := s.db.QueryContext(ctx, `SELECT client_id FROM assignments WHERE user_id=$1 ORDER BY client_id`, u.ID)
		if err != nil {
			return a, u, fmt.Errorf("catalog: assignments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return a, u, err
			}
			a.Assigned = append(a.Assigned, id)
		}
		if err := rows.Err(); err != nil {
			return a, u, err
		}
	}
	return a, u, nil
}

// Assign puts a staff member on a client's team (function: lead, expert,
// analyst, specialist); assigning again changes the function.
func (s *Store) Assign(ctx context.Context, asg daiyun.Assignment) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	u, err := s.User(ctx, asg.UserID)
	if err != nil {
		return err
	}
	if u.Role.IsClientRole() {
		return daiyun.Errorf(daiyun.EINVALID, "user %s is a client user; only staff are assigned to clients", u.Email)
	}
	if _, err := s.Client(ctx, asg.ClientID); err != nil {
		return err
	}
	if asg.Function == "" {
		asg.Function = string(u.Role)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO assignments (user_id, client_id, function) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, client_id) DO UPDATE SET function = excluded.function`, asg.UserID, asg.ClientID, asg.Function)
	if err != nil {
		return fmt.Errorf("catalog: assign: %w", err)
	}
	return s.audit(ctx, asg.ClientID, "assignment.create", fmt.Sprintf("%s as %s", u.Email, asg.Function))
}

// Unassign takes a staff member off a client's team.
func (s *Store) Unassign(ctx context.Context, userID, clientID int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM assignments WHERE user_id=$1 AND client_id=$2`, userID, clientID)
	if err != nil {
		return fmt.Errorf("catalog: unassign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("assignment", fmt.Sprintf("%d/%d", userID, clientID))
	}
	return s.audit(ctx, clientID, "assignment.delete", fmt.Sprint(userID))
}

// Assignments lists the team assignments of the clients the actor sees;
// clientID 0 lists all of them.
func (s *Store) Assignments(ctx context.Context, clientID int64) ([]daiyun.Assignment, error) {
	q := `SELECT user_id, client_id, function FROM assignments WHERE ` + clientScope(ctx, "client_id")
	args := []any{}
	if clientID != 0 {
		q += ` AND client_id=$1`
		args = append(args, clientID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY client_id, user_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list assignments: %w", err)
	}
	defer rows.Close()
	var out []daiyun.Assignment
	for rows.Next() {
		var a daiyun.Assignment
		if err := rows.Scan(&a.UserID, &a.ClientID, &a.Function); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
