package dangke

import "testing"

// Phones are read the way people write them; what is not a mobile number
// is still refused, naming what is wrong.
func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":        "13812345678",
		"138 1234 5678":      "13812345678",
		"138-1234-5678":      "13812345678",
		"138—1234—5678":      "13812345678",
		"+86 138 1234 5678":  "13812345678",
		"+86-13812345678":    "13812345678",
		"(+86)138-1234-5678": "13812345678",
		"（+86）13812345678":   "13812345678",
		"0086 13812345678":   "13812345678",
		"8613812345678":      "13812345678",
		"＋８６ １３８１２３４５６７８": "13812345678",
		"138.1234.5678": "13812345678",
		"1381234567a":   "1381234567a",
		"86138":         "86138",
	} {
		if got := NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
		if want == "13812345678" {
			if err := CheckPhone(in); err != nil {
				t.Errorf("CheckPhone(%q): %v", in, err)
			}
		}
	}
	for in, want := range map[string]string{
		"1381234567":        "手机号应为 11 位数字，收到的是 10 位。",
		"+86 138 1234 567":  "手机号应为 11 位数字，收到的是 10 位。",
		"0571-8888-8888":    "手机号应为 11 位数字，收到的是 12 位。",
		"12812345678":       "手机号应以 13 至 19 开头，收到「128…」。",
		"138-1234-567a":     "手机号只能是数字，收到「1381234567a」。",
		"+1 (650) 555-0100": "手机号只能是数字，收到「+165****0100」。",
	} {
		if err := CheckPhone(in); err == nil || ErrorMessage(err) != want {
			t.Errorf("CheckPhone(%q) = %v, want %s", in, err, want)
		}
	}
}
