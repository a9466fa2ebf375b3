package dangke

import (
	"context"
	"time"
)

// Role grants a person the admin role over a unit's subtree.
type Role struct {
	Person    string // platform:id
	UnitID    int64
	UnitPath  string // filled on reads
	GrantedBy string
	GrantedAt time.Time
}

// AuditEntry records one change: who made it, from which chat, when, what.
type AuditEntry struct {
	Actor    string // platform:id
	Chat     string // platform:chat
	At       time.Time
	Action   string // lecture.add, lecture.withdraw, unit.add ...
	Entity   string // lecture, instructor, unit, chat, role
	EntityID int64
	Detail   string // a short human-readable description
}

// Entry is a logged lecture, lecturer or attachment, as /撤销 and /记录 see it.
type Entry struct {
	Kind string // "lecture", "instructor" or "file"
	ID   int64
	At   time.Time
}

// Entry kinds.
const (
	EntryLecture    = "lecture"
	EntryInstructor = "instructor"
	EntryFile       = "file" // an attachment of a lecture
)

// SpeakerRef names a lecturer as the figures count one: a name within a unit.
type SpeakerRef struct {
	UnitID   int64
	Name     string
	UnitPath string // filled on reads
	Person   int64  // the person the name is linked to, 0 if none (filled on reads)
}

// MessageKey identifies a platform message for idempotent handling.
type MessageKey struct {
	Platform string
	Chat     string
	ID       string
}

// Snapshotter is a Reader that makes several reads against one committed
// state (the store outside a transaction; a Tx sees one already): a
// form's rows and its footer's figures agree while lectures are logged.
type Snapshotter interface {
	Snapshot(ctx context.Context, fn func(Reader) error) error
}

// InSnapshot runs fn with r's snapshot when r has one, else with r.
func InSnapshot(ctx context.Context, r Reader, fn func(Reader) error) error {
	if s, ok := r.(Snapshotter); ok {
		return s.Snapshot(ctx, fn)
	}
	return fn(r)
}

// Reader is the read side of the store.
type Reader interface {
	// UnitByPath finds a unit by its full path; ENOTFOUND if none.
	UnitByPath(ctx context.Context, path string) (*Unit, error)
	// UnitByID finds a unit by id; ENOTFOUND if none.
	UnitByID(ctx context.Context, id int64) (*Unit, error)
	// UnitsNamed returns the units whose own name is name.
	UnitsNamed(ctx context.Context, name string) ([]Unit, error)
	// UnitRefs counts what refers to a unit: over its whole subtree, or the
	// unit alone (Units then counts the units directly below it).
	UnitRefs(ctx context.Context, unit int64, subtree bool) (UnitRefs, error)
	// SharedNames returns the lecturers' names that both units hold (in
	// lectures, withdrawn ones too) and what was answered about each pair:
	// what a merge of from into into makes of them.
	SharedNames(ctx context.Context, from, into int64) ([]SharedName, error)
	// Units returns root's subtree (root first), or the whole tree when root
	// is 0, ordered by path.
	Units(ctx context.Context, root int64) ([]Unit, error)
	// ChatUnit returns the unit a chat is bound to, or nil.
	ChatUnit(ctx context.Context, chat ChatRef) (*Unit, error)
	// Roles returns the roles granted to a person.
	Roles(ctx context.Context, person string) ([]Role, error)
	// UnitAdmins returns who has an admin role over a unit (on it or above).
	UnitAdmins(ctx context.Context, unit int64) ([]string, error)
	// AllContacts returns the responsible people (platform:id) of every
	// unit that has any, in the order they were named.
	AllContacts(ctx context.Context) (map[int64][]string, error)
	// OptedOut returns who asked not to be @-mentioned (/提醒 关闭).
	OptedOut(ctx context.Context) ([]string, error)
	// SeenIn returns the people (platform:id) the bot has seen speak in a chat.
	SeenIn(ctx context.Context, chat ChatRef) (map[string]bool, error)
	// Figures returns the figures of a unit's subtree (0: the whole city)
	// over a period (zero: the whole campaign).
	Figures(ctx context.Context, unit int64, p Period) (Figures, error)
	// LectureCount counts the lectures of a subtree (0: the city) in a
	// period: the cheap part of Figures, for week-on-week comparisons.
	LectureCount(ctx context.Context, unit int64, p Period) (int, error)
	// TopFigures returns the figures of every reporting unit over a period.
	TopFigures(ctx context.Context, p Period) ([]UnitFigures, error)
	// CityFigures returns the city's figures over a period (as Figures of
	// 0) with every reporting unit's (as TopFigures).
	CityFigures(ctx context.Context, p Period) (Figures, []UnitFigures, error)
	// PoolSize counts the lecturers in a county's pool.
	PoolSize(ctx context.Context, county int64) (int, error)
	// Lectures returns the most recent active lectures of a unit's subtree,
	// newest first.
	Lectures(ctx context.Context, unit int64, limit int) ([]Lecture, error)
	// LecturesIn returns every active lecture of a subtree (0: the city) in a
	// period (zero: all), by date, for the 附件1 form.
	LecturesIn(ctx context.Context, unit int64, p Period) ([]Lecture, error)
	// EachLectureIn calls fn with each of LecturesIn's lectures in turn,
	// keeping none (an export of a province streams them).
	EachLectureIn(ctx context.Context, unit int64, p Period, fn func(Lecture) error) error
	// Lecture finds an active lecture by id; ENOTFOUND if none.
	Lecture(ctx context.Context, id int64) (*Lecture, error)
	// Instructors returns the active lecturers of a county's pool.
	Instructors(ctx context.Context, county int64) ([]Instructor, error)
	// InstructorsNamed returns the active lecturers of a county's pool with
	// a name (an indexed lookup).
	InstructorsNamed(ctx context.Context, county int64, name string) ([]Instructor, error)
	// Instructor finds an active lecturer by id; ENOTFOUND if none.
	Instructor(ctx context.Context, id int64) (*Instructor, error)
	// LastEntry returns the newest active entry that author logged (among
	// the last hundred), or nil.
	LastEntry(ctx context.Context, author string) (*Entry, error)
	// Reply returns the reply saved for a handled message (its Text and
	// State), and whether it was found.
	Reply(ctx context.Context, key MessageKey) (Outgoing, bool, error)
	// SimilarLectures returns the active lectures of a unit by a speaker
	// dated from..to (both included), for the duplicate check: an indexed
	// lookup, never a scan.
	SimilarLectures(ctx context.Context, unit int64, speaker string, from, to time.Time) ([]Lecture, error)
	// IsMember reports whether a person has spoken in a chat that is bound
	// to a unit or to the city.
	IsMember(ctx context.Context, person string) (bool, error)
	// SpeakerLectures counts a speaker's active lectures in a unit, in all
	// and dated from..to (both included): an index-only read.
	SpeakerLectures(ctx context.Context, unit int64, speaker string, from, to time.Time) (total, near int, err error)
	// SameDayLecture returns the id of an active lecture of a unit by a
	// speaker on a day, or 0: an index-only lookup for the write path.
	SameDayLecture(ctx context.Context, unit int64, speaker string, day time.Time) (int64, error)
	// Namesakes returns the lecturers with this name in the other units of
	// unit's reporting unit for whom no answer to "the same person?" is
	// recorded yet.
	Namesakes(ctx context.Context, unit int64, name string) ([]SpeakerRef, error)
	// LinkedSpeakers returns the other names (in other units) linked to the
	// same person as a unit's name, with their unit paths.
	LinkedSpeakers(ctx context.Context, unit int64, name string) ([]SpeakerRef, error)
	// SpeakerNames returns the names that have active lectures in a unit.
	SpeakerNames(ctx context.Context, unit int64) ([]string, error)
	ContestReader
	DigestReader
	FileReader
	ShowcaseReader
}

// DigestReader reads what the weekly digests need.
type DigestReader interface {
	// BoundChats lists every chat bound to a unit, by the unit's path, then
	// every chat bound to the city.
	BoundChats(ctx context.Context) ([]BoundChat, error)
	// IsCityChat reports whether a chat is bound to the whole city.
	IsCityChat(ctx context.Context, chat ChatRef) (bool, error)
	// SpeakerStats calls fn with every lecturer's activity up to the end
	// of week, in a unit's subtree (0: everywhere), one row at a time.
	SpeakerStats(ctx context.Context, week Period, under int64, fn func(SpeakerStat) error) error
	// TopUnits returns the reporting units (the units at the top), by path.
	TopUnits(ctx context.Context) ([]Unit, error)
	// PoolSizes counts the active lecturers of every county's pool.
	PoolSizes(ctx context.Context) (map[int64]int, error)
	// DigestStatus returns the outbox state of a chat's digest for a week
	// (OutboxPending, OutboxSent, OutboxFailed), or "" when it has none.
	DigestStatus(ctx context.Context, chat ChatRef, week string) (string, error)
}

// DigestWriter records the weekly digests.
type DigestWriter interface {
	// BindCity binds a chat to the whole city.
	BindCity(ctx context.Context, chat ChatRef, by string, at time.Time) error
	// SaveOutgoing puts a proactive message (a digest, a reminder, a file)
	// into the outbox, pending, under its key; it reports false, writing
	// nothing, when the key is there already: a digest's key
	// (digest:2019-W27) makes it once per chat and week.
	SaveOutgoing(ctx context.Context, o Outgoing) (bool, error)
}

// ContestReader reads the lecture contest.
type ContestReader interface {
	// Contest returns a contest by id, or the newest one for id 0; ENOTFOUND if none.
	Contest(ctx context.Context, id int64) (*Contest, error)
	// Contestants returns a contest's entries in draw order.
	Contestants(ctx context.Context, contest int64) ([]Contestant, error)
	// Judges returns a contest's judges in the order they were named, those
	// removed from the panel too (Removed set).
	Judges(ctx context.Context, contest int64) ([]Judge, error)
	// Scores returns every score of a contest, by contestant and judge.
	Scores(ctx context.Context, contest int64) ([]Score, error)
	// Ruling returns the committee's order among tied contestants: id → position.
	Ruling(ctx context.Context, contest int64) (map[int64]int, error)
}

// ContestWriter changes the lecture contest.
type ContestWriter interface {
	// AddContest creates a contest; it fills ID.
	AddContest(ctx context.Context, c *Contest) error
	// AddContestant enters a contestant with the next draw number; it fills ID and Draw.
	AddContestant(ctx context.Context, c *Contestant) error
	// AddJudge names a judge (again, after a removal); ECONFLICT if on the panel.
	AddJudge(ctx context.Context, j Judge) error
	// RemoveJudge takes a judge off the panel: their scores of contestants
	// not yet closed are dropped, those of closed contestants stay;
	// ENOTFOUND if not on the panel.
	RemoveJudge(ctx context.Context, contest int64, person string) error
	// SetScore records or corrects a judge's scores of a contestant.
	SetScore(ctx context.Context, s Score, at time.Time) error
	// SetLength records a contestant's measured lecture length.
	SetLength(ctx context.Context, contestant int64, d time.Duration) error
	// CloseContestant ends the scoring of a contestant.
	CloseContestant(ctx context.Context, contestant int64) error
	// SetRuling records the committee's order of tied contestants, replacing
	// any earlier ruling on them.
	SetRuling(ctx context.Context, contest int64, order []int64) error
}

// Writer is the write side of the store, reached only inside Store.Update.
type Writer interface {
	// AddUnit inserts a unit under u.ParentID; it fills ID, TopID, Path and Depth.
	AddUnit(ctx context.Context, u *Unit) error
	// SetMembers sets a unit's own Party member count.
	SetMembers(ctx context.Context, unit int64, n int) error
	// RenameUnit gives a unit a new name; the paths of its subtree follow.
	RenameUnit(ctx context.Context, unit int64, name string) error
	// MoveUnit puts a unit under a new parent (0: the top of the tree); its
	// subtree's paths, depths and reporting unit follow, and so do the
	// lecturers and contest entries of the subtree.
	MoveUnit(ctx context.Context, unit, parent int64) error
	// SetUnitKind changes a unit's kind within its level: a reporting unit
	// is a county or a system, a unit below one an org or a branch (and a
	// branch holds no branches); EINVALID or ECONFLICT otherwise.
	SetUnitKind(ctx context.Context, unit int64, kind UnitKind) error
	// MergeUnits moves everything of unit from into unit into — lectures,
	// lecturers, chats, roles, contest entries, units below, the people
	// links and the member count — recomputes into's totals and removes from.
	MergeUnits(ctx context.Context, from, into int64) error
	// DeleteUnit removes a unit nothing refers to; ECONFLICT otherwise.
	DeleteUnit(ctx context.Context, unit int64) error
	// UnbindChat removes a chat's binding to a unit or to the city;
	// ENOTFOUND if it had none.
	UnbindChat(ctx context.Context, chat ChatRef) error
	// AddActions stores the pending actions of buttons under the hashes of
	// their tokens, with the entry they belong to.
	AddActions(ctx context.Context, hashes []string, actions []PendingAction) error
	// SetContacts replaces a unit's responsible people (platform:id).
	SetContacts(ctx context.Context, unit int64, people []string, by string, at time.Time) error
	// SetOptOut records whether a person asked not to be @-mentioned.
	SetOptOut(ctx context.Context, person string, off bool, at time.Time) error
	// MoveChat puts a chat's binding, members, digests and records under its
	// new id (a Telegram group upgraded to a supergroup).
	MoveChat(ctx context.Context, from, to ChatRef) error
	// SetChatLeft marks a bound chat inactive, the bot removed from it (a
	// zero at: active again); ENOTFOUND if it is not bound.
	SetChatLeft(ctx context.Context, chat ChatRef, at time.Time) error
	// SetChatWebhook stores a bound group's robot webhook key ("" clears it);
	// ENOTFOUND if the chat is not bound.
	SetChatWebhook(ctx context.Context, chat ChatRef, key string) error
	// BindChat binds a chat to a unit, replacing any earlier binding.
	BindChat(ctx context.Context, chat ChatRef, unit int64, by string, at time.Time) error
	// Grant gives a role; granting it twice is not an error.
	Grant(ctx context.Context, r Role) error
	// Revoke takes a role away; ENOTFOUND if it was not granted.
	Revoke(ctx context.Context, person string, unit int64) error
	// AddLecture stores a lecture and updates the unit's totals; it fills ID.
	AddLecture(ctx context.Context, l *Lecture) error
	// WithdrawLecture marks a lecture withdrawn and takes it out of the totals.
	WithdrawLecture(ctx context.Context, id int64, by string, at time.Time) error
	// AddInstructor stores a lecturer; ECONFLICT if the pool has the phone number.
	AddInstructor(ctx context.Context, i *Instructor) error
	// WithdrawInstructor marks a lecturer removed from the pool.
	WithdrawInstructor(ctx context.Context, id int64, by string, at time.Time) error
	// Audit records a change.
	Audit(ctx context.Context, e AuditEntry) error
	// SaveReply records that a message was handled, with its reply, pending
	// in the outbox with the adapter's reply route.
	SaveReply(ctx context.Context, key MessageKey, reply, route string, at time.Time) error
	// NoteMember records that a person spoke in a bound chat.
	NoteMember(ctx context.Context, person string, chat ChatRef, at time.Time) error
	// LinkSpeakers records the answer to "is a the same person as b?": the
	// same person counts once at every level holding both units.
	LinkSpeakers(ctx context.Context, a, b SpeakerRef, same bool, at time.Time) error
	// UnlinkSpeaker takes a unit's name out of the person it is linked to
	// and returns the names it was linked with. With distinct, they are
	// recorded as different people (not asked again); without, every answer
	// about the name is forgotten (asked again at its next lecture).
	UnlinkSpeaker(ctx context.Context, s SpeakerRef, distinct bool) ([]SpeakerRef, error)
	ContestWriter
	DigestWriter
	FileWriter
	ShowcaseWriter
	ImportWriter
}

// Tx is the store inside a transaction.
type Tx interface {
	Reader
	Writer
}

// Store is the campaign's database.
type Store interface {
	Reader
	Buttons
	// Update runs fn in a transaction and returns once the transaction is
	// durably committed (or fn's error, with nothing written). fn may run
	// alongside other callers' functions in one commit; each is isolated by a
	// savepoint, so one caller's error never undoes another's work.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Close flushes and closes the database.
	Close() error
}
