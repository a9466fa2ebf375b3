package report

import (
	"context"

	"dangke"
)

// Form2City is 附件2 for the city pool: the lecturers selected (入选) from
// the counties' pools, each with their county.
func Form2City(ctx context.Context, st dangke.Reader, city string) (*Form, error) {
	picks, err := st.CityPool(ctx, 0)
	if err != nil {
		return nil, err
	}
	f := &Form{
		Sheet: "附件2", Title: city + "市级微型党课宣讲员师资库统计表",
		Left:    "单位（盖章）：" + city,
		Columns: []Column{{"县市区", 10, ""}, {"姓  名", 10, ""}, {"性别", 6, ""}, {"出生年月", 11, ""}, {"单  位", 24, ""}, {"职  务", 16, ""}, {"手机号", 15, ""}},
		MinRows: 12,
	}
	for _, p := range picks {
		if p.Status != dangke.PickSelected {
			continue
		}
		in := p.Instructor
		f.Rows = append(f.Rows, []string{p.County, in.Name, in.Gender, in.Birth(), in.Workplace, in.Position, in.Phone})
	}
	return f, nil
}
