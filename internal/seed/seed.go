// Package seed builds the large databases the benchmarks run on: 10 counties
// × 10 towns × 100 branches, with 100 lectures per branch (1,000,000), dated
// across the 2019 campaign. It is used by tests only.
package seed

import (
	"context"
	"fmt"

	"dangke"
	"dangke/store"
)

// City fills an empty store with the benchmark city.
func City(ctx context.Context, st *store.Store) error {
	err := st.Update(ctx, func(tx dangke.Tx) error {
		for c := range 10 {
			county := &dangke.Unit{Name: fmt.Sprintf("第%d县", c), Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, county); err != nil {
				return err
			}
			for t := range 10 {
				town := &dangke.Unit{ParentID: county.ID, Name: fmt.Sprintf("第%d镇", t), Kind: dangke.KindOrg}
				if err := tx.AddUnit(ctx, town); err != nil {
					return err
				}
				for br := range 100 {
					u := &dangke.Unit{ParentID: town.ID, Name: fmt.Sprintf("第%d党支部", br), Kind: dangke.KindBranch, Members: 40 + br%20}
					if err := tx.AddUnit(ctx, u); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	restore, err := bare(ctx, st.DB().DB)
	if err != nil {
		return err
	}
	_, err = st.DB().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
		INSERT INTO lectures (unit_id, speaker, position, title, day, attendees, form, satisfied, surveyed, leader, author, chat, created_at)
		SELECT b.id, '讲课人' || (n.i % 30), '党员', '我和我的祖国', date('2019-03-01', '+' || (n.i % 306) || ' days'),
			10 + n.i % 50, '普通', 9 + n.i % 40, 10 + n.i % 40, (n.i % 30) = 0, 'bench:u', 'bench:g', 0
		FROM n JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM units WHERE kind = 'branch') b ON b.k = n.i / 100`)
	if err != nil {
		return err
	}
	if err := restore(); err != nil {
		return err
	}
	return st.RebuildTotals(ctx)
}
