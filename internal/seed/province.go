package seed

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"dangke/store"
)

// Options shape a seeded province.
type Options struct {
	Branches int // Party branches (at least 1)
	Lectures int // lectures in all, spread over the branches (0 or more)
	// Chats binds one group chat to every county and every town, so that
	// the weekly digests have chats to go to.
	Chats bool
}

// Stats says what Province wrote.
type Stats struct {
	Counties, Towns, Branches, Lectures, Instructors, Chats int
}

// The shape of a province: about 800 branches a county (a real county has
// 500 to 1,500), about 40 a town; member counts from 3 to 80, most between
// 10 and 40; a branch in 500 with no member count yet (as a real import
// leaves some); one to six lecturers a branch, named from a list of common
// names so that namesakes occur in other branches; a leading cadre's
// lecture in ten; dates across the campaign, 2019-06-01 to 2019-12-31.
const (
	branchesPerTown = 40
	townsPerCounty  = 20
	poolPerCounty   = 60
	campaignDays    = 214 // 2019-06-01 .. 2019-12-31
)

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	given    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "红梅"}
	titles   = []string{"我和我的祖国", "不忘初心、牢记使命", "新中国七十年的伟大成就", "学习党章 遵守党章", "红旗渠精神", "焦裕禄精神的时代价值", "乡村振兴在身边", "守初心 担使命"}
)

// hash is a fixed integer mix (splitmix64's finaliser), so that a seeded
// province is the same on every run and every machine.
func hash(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// members returns branch b's member count: 0 for one branch in 500,
// otherwise 3 to 80, most of them between 10 and 40.
func members(b int) int {
	h := hash(uint64(b))
	if h%500 == 0 {
		return 0
	}
	m := 10 + int(h>>8%31) // 10..40
	switch h >> 16 % 10 {
	case 0:
		m = 3 + int(h>>24%7) // small: 3..9
	case 1:
		m = 41 + int(h>>24%40) // large: 41..80
	}
	return m
}

// Province fills an empty store with a deterministic province: counties
// (the reporting units, each with a lecturer pool) → towns → branches, and
// o.Lectures lectures spread over the branches (unevenly: some branches
// lecture three times as often as others). It writes directly in large
// transactions, then computes the running totals with RebuildTotals. It
// refuses a store that holds any unit or lecture.
func Province(ctx context.Context, st *store.Store, o Options) (Stats, error) {
	var s Stats
	if o.Branches < 1 || o.Lectures < 0 {
		return s, fmt.Errorf("seed: --branches 至少为 1，--lectures 不能为负数（例如 --branches 10000 --lectures 1000000）")
	}
	db := st.DB().DB
	var n int
	if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM lectures) + (SELECT count(*) FROM instructors)").Scan(&n); err != nil {
		return s, fmt.Errorf("seed: %w", err)
	}
	if n > 0 {
		return s, fmt.Errorf("seed: 数据库已有单位、党课或宣讲员记录，seed 只写入空数据库（它是试用和测量的工具，不能混入真实数据）；换一个新文件，例如 --db province.db")
	}
	if err := units(ctx, db, o, &s); err != nil {
		return s, fmt.Errorf("seed: units: %w", err)
	}
	if err := instructors(ctx, db, &s); err != nil {
		return s, fmt.Errorf("seed: instructors: %w", err)
	}
	if err := lectures(ctx, db, o, &s); err != nil {
		return s, fmt.Errorf("seed: lectures: %w", err)
	}
	if err := st.RebuildTotals(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// conn is a database handle: *sql.DB, or *sql.Conn where temporary
// tables must be seen by every statement.
type conn interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// inTx runs fn in one transaction.
func inTx(ctx context.Context, db conn, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// units writes the tree with ids given in order (the database is empty),
// so that paths and id paths are known without reading them back.
func units(ctx context.Context, db *sql.DB, o Options, s *Stats) error {
	counties := (o.Branches + branchesPerTown*townsPerCounty - 1) / (branchesPerTown * townsPerCounty)
	return inTx(ctx, db, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO units (id, parent_id, top_id, name, path, ipath, depth, kind, members, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		chat, err := tx.PrepareContext(ctx, `INSERT INTO chats (platform, chat_id, unit_id, title, is_group, bound_by, bound_at)
			VALUES ('seed', ?, ?, ?, 1, 'seed:admin', 0)`)
		if err != nil {
			return err
		}
		defer chat.Close()
		bind := func(id int64, path string) error {
			if !o.Chats {
				return nil
			}
			s.Chats++
			_, err := chat.ExecContext(ctx, fmt.Sprint("g", id), id, path)
			return err
		}
		id, left := int64(0), o.Branches
		for c := 0; c < counties && left > 0; c++ {
			id++
			county, cname := id, fmt.Sprintf("第%d县", c+1)
			cip := fmt.Sprintf("/%d/", county)
			if _, err := ins.ExecContext(ctx, county, nil, county, cname, cname, cip, 1, "county", 0); err != nil {
				return err
			}
			s.Counties++
			if err := bind(county, cname); err != nil {
				return err
			}
			for t := 0; t < townsPerCounty && left > 0; t++ {
				id++
				town, tpath := id, fmt.Sprintf("%s/第%d镇", cname, t+1)
				tip := fmt.Sprintf("%s%d/", cip, town)
				if _, err := ins.ExecContext(ctx, town, county, county, fmt.Sprintf("第%d镇", t+1), tpath, tip, 2, "org", 0); err != nil {
					return err
				}
				s.Towns++
				if err := bind(town, tpath); err != nil {
					return err
				}
				for b := 0; b < branchesPerTown && left > 0; b++ {
					id++
					name := fmt.Sprintf("第%d党支部", b+1)
					if _, err := ins.ExecContext(ctx, id, town, county, name, tpath+"/"+name, fmt.Sprintf("%s%d/", tip, id), 3, "branch", members(s.Branches)); err != nil {
						return err
					}
					s.Branches++
					left--
				}
			}
		}
		return nil
	})
}

// instructors fills each county's pool with poolPerCounty lecturers from
// its branches, with distinct phone numbers.
func instructors(ctx context.Context, db *sql.DB, s *Stats) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO instructors (pool_id, unit_id, name, gender, birth_y, birth_m, workplace, position, phone, author, chat, created_at)
			SELECT c.id, (SELECT min(id) FROM units WHERE top_id = c.id AND kind = 'branch'),
				'宣讲员' || c.id || '-' || n.i, CASE n.i % 2 WHEN 0 THEN '男' ELSE '女' END,
				1960 + n.i % 35, 1 + n.i % 12, c.name || '党校', '讲师',
				printf('138%08d', c.id * 1000 + n.i), 'seed:admin', 'seed:g', 0
			FROM units c JOIN n WHERE c.kind = 'county'`, poolPerCounty-1)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		s.Instructors = int(k)
		return nil
	})
}

// lectures writes the lectures a batch of branches at a time, each batch
// one INSERT … SELECT in its own transaction. The lectures' indexes and
// triggers are dropped first and made again at the end (see bare); the
// running totals are then computed once by RebuildTotals. A seed that
// fails half-way leaves a database to throw away.
func lectures(ctx context.Context, pool *sql.DB, o Options, s *Stats) error {
	if o.Lectures == 0 {
		return nil
	}
	db, err := pool.Conn(ctx) // the temporary tables live on one connection
	if err != nil {
		return err
	}
	defer db.Close()
	restore, err := bare(ctx, db)
	if err != nil {
		return err
	}
	// Each branch's share of the lectures: a weight from 1 to 3, scaled so
	// the shares add up to o.Lectures exactly.
	var ids []int64
	if err := func() error {
		rows, err := db.QueryContext(ctx, "SELECT id FROM units WHERE kind = 'branch' ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}(); err != nil {
		return err
	}
	weights, total := make([]int, len(ids)), 0
	for i, id := range ids {
		weights[i] = 1 + int(hash(uint64(id)+7)%3)
		total += weights[i]
	}
	shares, dealt := make([]int, len(ids)), 0
	for i := range ids {
		shares[i] = o.Lectures * weights[i] / total
		dealt += shares[i]
	}
	for i := 0; dealt < o.Lectures; i = (i + 1) % len(ids) {
		shares[i]++
		dealt++
	}
	names := make([]string, 0, len(surnames)*len(given))
	for _, sn := range surnames {
		for _, g := range given {
			names = append(names, sn+g)
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS seed_names (i INTEGER PRIMARY KEY, name TEXT NOT NULL)"); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS seed_titles (i INTEGER PRIMARY KEY, title TEXT NOT NULL)"); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS seed_branches (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, k INTEGER NOT NULL, off INTEGER NOT NULL)"); err != nil {
		return err
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		for i, n := range names {
			if _, err := tx.ExecContext(ctx, "INSERT INTO seed_names VALUES (?, ?)", i, n); err != nil {
				return err
			}
		}
		for i, t := range titles {
			if _, err := tx.ExecContext(ctx, "INSERT INTO seed_titles VALUES (?, ?)", i, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Batches of about 200,000 lectures: one transaction each.
	const batch = 200_000
	for lo := 0; lo < len(ids); {
		hi, n, most := lo, 0, 0
		for hi < len(ids) && (n == 0 || n+shares[hi] <= batch) {
			n += shares[hi]
			most = max(most, shares[hi])
			hi++
		}
		err := inTx(ctx, db, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM temp.seed_branches"); err != nil {
				return err
			}
			for i := lo; i < hi; i++ {
				h := hash(uint64(ids[i]) + 11)
				if _, err := tx.ExecContext(ctx, "INSERT INTO temp.seed_branches VALUES (?, ?, ?, ?)", ids[i], shares[i], 1+h%6, h>>8%uint64(len(names))); err != nil {
					return err
				}
			}
			// Lecture j of a branch: lecturer j % k, day spread over the
			// campaign with a shift per branch, about 45 attendees, about
			// 90% satisfied of those surveyed, a leading cadre in ten.
			_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < ?)
				INSERT INTO lectures (unit_id, speaker, position, title, day, attendees, venue, form, minutes,
					satisfied, surveyed, link, leader, author, chat, created_at)
				SELECT b.id, nm.name, CASE WHEN (n.j + b.id) % 10 = 0 THEN '党支部书记' ELSE '党员' END,
					t.title, date('2019-06-01', '+' || ((n.j * ?2 / b.n + b.off) % ?2) || ' days'),
					20 + (b.id * 7 + n.j * 13) % 50, '党员活动室', '讲党课', 30,
					18 + (b.id + n.j) % 30, 20 + (b.id + n.j) % 30, '', (n.j + b.id) % 10 = 0,
					'seed:u' || b.id, 'seed:g', 0
				FROM temp.seed_branches b JOIN n ON n.j < b.n
				JOIN temp.seed_names nm ON nm.i = (b.off + n.j % b.k) % ?3
				JOIN temp.seed_titles t ON t.i = (b.id + n.j) % ?4
				ORDER BY b.id, n.j`, max(most-1, 0), campaignDays, len(names), len(titles))
			return err
		})
		if err != nil {
			return err
		}
		s.Lectures += n
		lo = hi
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE temp.seed_branches"); err != nil {
		return err
	}
	return restore()
}

// bare drops the lectures' indexes and triggers (the running totals are
// computed once at the end, and an index built at once is much faster than
// one kept in order row by row) and returns what creates them again.
func bare(ctx context.Context, db conn) (func() error, error) {
	rows, err := db.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE type IN ('index', 'trigger') AND tbl_name = 'lectures' AND sql IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	var extras [][3]string
	for rows.Next() {
		var x [3]string
		if err := rows.Scan(&x[0], &x[1], &x[2]); err != nil {
			rows.Close()
			return nil, err
		}
		extras = append(extras, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range extras {
		if _, err := db.ExecContext(ctx, "DROP "+strings.ToUpper(x[0])+" "+x[1]); err != nil {
			return nil, err
		}
	}
	return func() error {
		for _, x := range extras {
			if _, err := db.ExecContext(ctx, x[2]); err != nil {
				return fmt.Errorf("%s: %w", x[1], err)
			}
		}
		return nil
	}, nil
}
