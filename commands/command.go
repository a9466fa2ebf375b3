package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"dangke"
)

// Kind is how a field's value is read.
type Kind int

// Field kinds.
const (
	KText      Kind = iota // free text
	KName                  // a person's name
	KDate                  // a calendar day
	KCount                 // a whole number, 45 or 45人
	KRatio                 // satisfied/surveyed
	KBool                  // 是/否
	KYearMonth             // 1985-03
	KUnit                  // a unit path or name
	KPhone                 // an 11-digit mobile number
	KChoice                // one of Choices
	KTitle                 // a title: a quoted token is one wherever it stands
	KPost                  // a 职务: recognised by its last word (书记, 委员, 教师 …)
)

// Field declares one argument of a command. Help, usage errors and the
// prompts for missing values all come from it.
type Field struct {
	Name       string   // the key users type: 讲课人
	Label      string   // the full label in messages: 讲课人姓名
	Aliases    []string // other keys accepted, Chinese and English
	Kind       Kind
	Choices    []string // for KChoice
	Required   bool
	Positional bool // filled by positional values, in declaration order
	Variadic   bool // the last positional field: takes every remaining value, joined by the separators typed between them
	Example    string
	Hint       string // a few words for /帮助
}

// label returns the field's label, defaulting to its name.
func (f *Field) label() string {
	if f.Label != "" {
		return f.Label
	}
	return f.Name
}

// matches reports whether key names this field.
func (f *Field) matches(key string) bool {
	if key == "" {
		return false
	}
	if key[0] >= 0x80 { // Chinese keys have no case: compare bytes, fast
		if key == f.Name || key == f.Label {
			return true
		}
		for _, a := range f.Aliases {
			if key == a {
				return true
			}
		}
		return false
	}
	fold := func(a string) bool { return a != "" && a[0] < 0x80 && strings.EqualFold(key, a) }
	if fold(f.Name) || key == f.Label {
		return true
	}
	for _, a := range f.Aliases {
		if fold(a) {
			return true
		}
	}
	return false
}

// Perm says who may run a command, before the command checks the unit it acts on.
type Perm int

// Permission levels.
const (
	Anyone Perm = iota // everyone, bound chat or not
	Reader             // members of a bound chat (in it, or in a 1:1 chat once they have spoken there) and role holders
	Member             // anyone in a chat bound to a unit, or an admin of any unit
	Admin              // an admin from config, or a unit admin (the command checks which unit)
	Super              // an admin from config only
)

// Command declares one command. Run receives the parsed arguments; it
// never sees a platform payload.
type Command struct {
	Names   []string // Chinese names, the first canonical: 党课, 登记党课
	English []string // English aliases: lecture
	Sub     []string // for a subcommand: its Chinese and English names, 新增, add
	Summary string   // one line for /帮助
	Fields  []Field
	Example string // a complete correct example, shown with every usage error
	Perm    Perm
	Costly  bool   // rate-limited per person: digests of many units, exports
	Verb    string // what a refusal says the sender may not do for a unit, %s the unit: 查看「%s」的记录; default 为「%s」登记
	Run     func(ctx context.Context, c *Call) (*dangke.Reply, error)

	keys map[string]*Field // field by key, built once by the router (index)
}

// refused names what the command would have done for unit path, for a refusal.
func (c *Command) refused(path string) string {
	if c.Verb != "" {
		return fmt.Sprintf(c.Verb, path)
	}
	return fmt.Sprintf("为「%s」登记", path)
}

// Title is the command as users type it: /单位 新增.
func (c *Command) Title() string {
	t := "/" + c.Names[0]
	if len(c.Sub) > 0 {
		t += " " + c.Sub[0]
	}
	return t
}

// English title: /unit add.
func (c *Command) englishTitle() string {
	if len(c.English) == 0 {
		return ""
	}
	t := "/" + c.English[0]
	if len(c.Sub) > 1 {
		t += " " + c.Sub[len(c.Sub)-1]
	}
	return t
}

// field returns the declared field named key, or nil.
func (c *Command) field(key string) *Field {
	if c.keys != nil {
		if key != "" && key[0] < utf8.RuneSelf {
			key = strings.ToLower(key)
		}
		return c.keys[key]
	}
	for i := range c.Fields {
		if c.Fields[i].matches(key) {
			return &c.Fields[i]
		}
	}
	return nil
}

// index builds the table field looks keys up in: every name, label and
// alias, English ones in lower case.
func (c *Command) index() {
	keys := map[string]*Field{}
	add := func(k string, f *Field) {
		if k == "" {
			return
		}
		if k[0] < utf8.RuneSelf {
			k = strings.ToLower(k)
		}
		if _, ok := keys[k]; !ok {
			keys[k] = f
		}
	}
	for i := range c.Fields {
		f := &c.Fields[i]
		add(f.Name, f)
		add(f.Label, f)
		for _, a := range f.Aliases {
			add(a, f)
		}
	}
	c.keys = keys
}

// Args holds a command's raw values by canonical field name.
type Args map[string]string

// Has reports whether a field was given.
func (a Args) Has(name string) bool { _, ok := a[name]; return ok }

// Call is one run of a command: the request, its arguments and what the
// router knows about the sender and the chat.
type Call struct {
	Req      dangke.Request
	Cmd      *Command
	Args     Args
	Now      time.Time    // the request's time in the campaign's zone
	Unit     *dangke.Unit // the unit the chat is bound to, or nil
	Super    bool         // the sender is an admin from config
	CityChat bool         // the chat is bound to the whole city
	Roles    []dangke.Role
	Known    bool // the sender has spoken in a bound chat (read for 1:1 chats only)

	abandoned bool            // a half-entered command of the sender was dropped for this one
	newMember bool            // the sender's membership of this bound chat is not recorded yet
	unsure    []string        // what the binder could not place, said before asking for the fields
	doubt     *Question       // a reading of the arguments to confirm before running
	question  *Question       // the question the command waits on, if any
	answers   map[string]bool // the sender's answers to the command's questions, by key
	asking    string          // an optional field the command asked for (which unit), answered next
	taken     []byte          // the saved conversation this call resumes, dropped with its change
	undo      *dangke.Entry   // the entry the command logged, for the [撤销] button under its confirmation
	undoBtn   *dangke.Button  // that button, stored with the entry
	r         *Router
}

// Store is the store the router runs on.
func (c *Call) Store() dangke.Store { return c.r.store }

// Text returns a text field, "" when absent.
func (c *Call) Text(name string) string { return c.Args[name] }

// Int returns a count field, def when absent.
func (c *Call) Int(name string, def int) (int, error) {
	v, ok := c.Args[name]
	if !ok {
		return def, nil
	}
	return parseCount(c.Cmd.field(name).label(), v)
}

// Date returns a date field.
func (c *Call) Date(name string) (time.Time, error) {
	return parseDate(c.Cmd.field(name).label(), c.Args[name], c.Now)
}

// Bool returns a yes/no field and whether it was given.
func (c *Call) Bool(name string) (v, given bool, err error) {
	s, ok := c.Args[name]
	if !ok {
		return false, false, nil
	}
	v, err = parseBool(c.Cmd.field(name).label(), s)
	return v, true, err
}

// permits reports whether the sender passes a permission level.
func (c *Call) permits(p Perm) bool {
	switch p {
	case Reader:
		if c.Req.Chat.Group {
			return c.Unit != nil || c.CityChat || c.Super || len(c.Roles) > 0
		}
		return c.Super || len(c.Roles) > 0 || c.Known
	case Member:
		return c.Unit != nil || c.Super || len(c.Roles) > 0
	case Admin:
		return c.Super || len(c.Roles) > 0
	case Super:
		return c.Super
	}
	return true
}

// IsAdminOf reports whether the sender administers unit u: an admin from
// config, or holding a role on u or a unit above it.
func (c *Call) IsAdminOf(u *dangke.Unit) bool {
	if c.Super {
		return true
	}
	for _, r := range c.Roles {
		if u.Path == r.UnitPath || strings.HasPrefix(u.Path, r.UnitPath+"/") {
			return true
		}
	}
	return false
}

// IsAdminAbove reports whether the sender holds a role on a unit strictly
// above u.
func (c *Call) IsAdminAbove(u *dangke.Unit) bool {
	for _, r := range c.Roles {
		if strings.HasPrefix(u.Path, r.UnitPath+"/") {
			return true
		}
	}
	return false
}

// MayActFor reports whether the sender may log entries for unit u: as its
// admin, or from a chat bound to u or a unit above it.
func (c *Call) MayActFor(u *dangke.Unit) bool {
	return c.IsAdminOf(u) || (c.Unit != nil && c.Unit.Contains(u))
}

// Audit fills an audit entry with the call's actor, chat and time.
func (c *Call) Audit(action, entity string, id int64, detail string) dangke.AuditEntry {
	return dangke.AuditEntry{Actor: c.Req.From.Key(), Chat: c.Req.Chat.Key(), At: c.Now, Action: action,
		Entity: entity, EntityID: id, Detail: detail}
}

// errHandled reports, inside Update, that the message was handled before.
var errHandled = errors.New("commands: message handled before")

// Update runs fn in a store transaction and returns its text as the reply.
// When the request carries a platform message id, the reply is saved with
// the change in the same transaction; if the message was handled before,
// the change is rolled back and the saved reply is returned instead, so a
// redelivered message is never logged twice.
func (c *Call) Update(ctx context.Context, fn func(tx dangke.Tx) (string, error)) (*dangke.Reply, error) {
	key := c.r.messageKey(c.Req)
	var text string
	err := c.r.store.Update(ctx, func(tx dangke.Tx) error {
		var err error
		if c.taken != nil {
			// The conversation ends with the change, in its transaction:
			// of two replicas resuming it at once, one goes ahead.
			if ctv, ok := tx.(dangke.ConversationTx); ok {
				still, err := ctv.DropConversation(ctx, pendingKey(c.Req), c.taken)
				if err != nil {
					return err
				}
				if !still {
					return dangke.Errorf(dangke.ECONFLICT, "这条%s已经由你的另一条消息完成或放弃了，没有重复保存。", c.Cmd.Title())
				}
			} else if ok, err := c.r.conv.DropConversation(ctx, pendingKey(c.Req), c.taken); err != nil || !ok {
				if err != nil {
					return err
				}
				return dangke.Errorf(dangke.ECONFLICT, "这条%s已经由你的另一条消息完成或放弃了，没有重复保存。", c.Cmd.Title())
			}
		}
		if c.newMember {
			if err := tx.NoteMember(ctx, c.Req.From.Key(), c.Req.Chat, c.Now); err != nil {
				return err
			}
		}
		c.undo = nil
		if text, err = fn(tx); err != nil {
			// A copy of this message handled a moment ago (in this very
			// commit) is a redelivery, not a duplicate to ask about.
			if key.ID != "" {
				if _, found, rerr := tx.Reply(ctx, key); rerr == nil && found {
					return errHandled
				}
			}
			return err
		}
		if err := c.undoAction(ctx, tx); err != nil { // buttons.go
			return err
		}
		if key.ID == "" {
			return nil
		}
		// The saved copy, kept for redeliveries, holds no full phone number;
		// this replica's claim on its send runs to c.Now + ClaimLease.
		if err := tx.SaveReply(ctx, key, dangke.MaskPhones(text), c.Req.Route, c.Now); dangke.ErrorCode(err) == dangke.ECONFLICT {
			return errHandled
		} else {
			return err
		}
	})
	if err == nil {
		c.taken = nil
	}
	if err == nil && c.newMember {
		c.r.members.note(c.Req)
		c.newMember = false
	}
	if errors.Is(err, errHandled) {
		saved, found, err := c.r.store.Reply(ctx, key)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errHandled
		}
		return c.r.savedReply(ctx, key, saved, c.r.cfg.Now())
	}
	if err != nil {
		return nil, err
	}
	return &dangke.Reply{Text: text, Saved: key.ID != ""}, nil
}

// savedReply answers a message handled before with its saved reply, or with
// nothing when the platform has accepted that reply already, or when
// another replica holds the claim on its send (it handled the message and
// sends the reply; should it die, its claim runs out and the outbox's sweep
// sends the reply).
func (r *Router) savedReply(ctx context.Context, key dangke.MessageKey, o dangke.Outgoing, now time.Time) (*dangke.Reply, error) {
	if o.State != dangke.OutboxPending {
		return nil, nil
	}
	if ob, ok := r.store.(dangke.Outbox); ok {
		won, err := ob.ClaimSend(ctx, key, now, dangke.ClaimLease, false)
		if err != nil {
			return nil, err
		}
		if !won {
			return nil, nil
		}
	}
	return &dangke.Reply{Text: o.Text, Saved: true}, nil
}

// scope reads the unit a reading command is about: city when target names
// the whole city (or is empty in the city's chat), else the unit target
// names, else the chat's unit; nil and false when there is none, for the
// command to say so in its own words.
func (c *Call) scope(ctx context.Context, target string) (unit *dangke.Unit, city bool, err error) {
	switch {
	case target == dangke.CityName || strings.EqualFold(target, "city") || (target == "" && c.CityChat):
		return nil, true, nil
	case target != "":
		unit, err = c.ResolveUnit(ctx, target)
		return unit, false, err
	}
	return c.Unit, false, nil
}

// ResolveUnit finds the unit a user means by s, the same way in every
// command: a full path, or the end of a path (城关镇, 城关镇/第一党支部) that
// is unique inside the chat's unit — or, when nothing there matches, inside
// the chat's reporting unit, then the city (in a chat bound to no unit,
// the city). An ambiguous or unknown one is refused, naming the closest
// units by edit distance: 城关真 → 温县/城关镇？
func (c *Call) ResolveUnit(ctx context.Context, s string) (*dangke.Unit, error) {
	st := c.r.store
	names, err := dangke.ParsePath(s)
	if err != nil {
		return nil, err
	}
	path := dangke.JoinPath(names)
	u, err := st.UnitByPath(ctx, path)
	if dangke.ErrorCode(err) != dangke.ENOTFOUND {
		return u, err
	}
	named, err := st.UnitsNamed(ctx, names[len(names)-1])
	if err != nil {
		return nil, err
	}
	var found []dangke.Unit
	for _, n := range named {
		if strings.HasSuffix(n.Path, "/"+path) {
			found = append(found, n)
		}
	}
	for _, scope := range c.scopes(ctx) {
		var in []dangke.Unit
		for _, f := range found {
			if scope == nil || scope.Contains(&f) {
				in = append(in, f)
			}
		}
		switch len(in) {
		case 0:
			continue
		case 1:
			return &in[0], nil
		}
		paths := make([]string, 0, 3)
		for i := 0; i < len(in) && i < 3; i++ {
			paths = append(paths, in[i].Path)
		}
		more := ""
		if len(in) > 3 {
			more = "等"
		}
		return nil, dangke.Errorf(dangke.EINVALID, "有 %d 个单位叫「%s」（%s%s），请写完整路径。", len(in), path, strings.Join(paths, "、"), more)
	}
	if near := c.closestUnits(ctx, names); len(near) > 0 {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "没有单位「%s」。你是不是要找：%s？", path, strings.Join(near, "、"))
	}
	return nil, dangke.Errorf(dangke.ENOTFOUND, "单位「%s」不存在，可用 /单位 列表 查看，或请管理员用 /单位 新增 添加。", path)
}

// scopes lists where ResolveUnit looks for the end of a path, narrowest
// first; nil is the whole city.
func (c *Call) scopes(ctx context.Context) []*dangke.Unit {
	if c.Unit == nil {
		return []*dangke.Unit{nil}
	}
	out := []*dangke.Unit{c.Unit}
	if !c.Unit.IsTop() {
		if top, err := c.r.store.UnitByID(ctx, c.Unit.TopID); err == nil {
			out = append(out, top)
		}
	}
	return append(out, nil)
}

// closestUnits returns the paths of the units whose names (the path's last
// names) are nearest to names by edit distance, those inside the chat's
// unit first; at most three, none when nothing is close.
func (c *Call) closestUnits(ctx context.Context, names []string) []string {
	all, err := c.r.store.Units(ctx, 0)
	if err != nil {
		return nil
	}
	want := dangke.JoinPath(names)
	limit := max(1, len([]rune(want))/3)
	type near struct {
		path    string
		d       int
		outside bool
	}
	var best []near
	for i := range all {
		parts := strings.Split(all[i].Path, "/")
		if len(parts) < len(names) {
			continue
		}
		d := distance(want, dangke.JoinPath(parts[len(parts)-len(names):]))
		if d > limit {
			continue
		}
		best = append(best, near{all[i].Path, d, c.Unit != nil && !c.Unit.Contains(&all[i])})
	}
	sort.SliceStable(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return !best[i].outside && best[j].outside
	})
	var out []string
	for i := 0; i < len(best) && i < 3; i++ {
		if best[i].d > best[0].d {
			break
		}
		out = append(out, best[i].path)
	}
	return out
}

// TargetUnit returns the unit a logging command acts on: the one named in
// field 单位, or the chat's unit. It refuses a unit the sender may not act for.
func (c *Call) TargetUnit(ctx context.Context, field string) (*dangke.Unit, error) {
	if name := c.Text(field); name != "" {
		u, err := c.ResolveUnit(ctx, name)
		if err != nil {
			var e *dangke.Error
			if errors.As(err, &e) && e.Code != dangke.EINTERNAL {
				e.Field = field // a conversation asks for the unit again
			}
			return nil, err
		}
		if !c.MayActFor(u) {
			if c.Unit == nil {
				return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群尚未绑定单位，不能%s（你不是它的管理员）；请在该单位的工作群里发送，或请管理员授权。", c.Cmd.refused(u.Path))
			}
			return nil, dangke.Errorf(dangke.EFORBIDDEN, "本群绑定的是「%s」，不能%s（它不在本群单位之下，你也不是它的管理员）；请在该单位的工作群里发送。", c.Unit.Path, c.Cmd.refused(u.Path))
		}
		return u, nil
	}
	if c.Unit == nil {
		return nil, dangke.Errorf(dangke.EINVALID, "本群尚未绑定单位，请写明 单位=路径，或请管理员发送 /单位 绑定 路径。")
	}
	return c.Unit, nil
}
