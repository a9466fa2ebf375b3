package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dangke"
	"dangke/media"
)

// TestDashboardPhotos: an excellent lecture shows its photo's thumbnail,
// served only to a link whose subtree holds the lecture.
func TestDashboardPhotos(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	s.fill(t)
	s.say(t, "b1", "admin", "/党课 孙八 党员 《家风》 2019-07-24 18 单位=孟州市/机关党支部 链接=https://v.example.org/8")
	m, err := media.New(filepath.Join(t.TempDir(), "media"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	s.dash.Media = m
	put := func(lecture int64, seed int) dangke.LectureFile {
		img := image.NewRGBA(image.Rect(0, 0, 320, 240))
		for y := 0; y < 240; y++ {
			for x := 0; x < 320; x++ {
				img.Set(x, y, color.RGBA{uint8(x * seed), uint8(y), uint8(seed), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		b, err := m.Put(ctx, buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		f := dangke.LectureFile{LectureID: lecture, SHA256: b.SHA256, Ext: b.Ext, MIME: b.MIME, Kind: b.Kind, Size: b.Size, Name: "现场.jpg",
			Author: "t:admin", Chat: "t:b1", CreatedAt: s.clock}
		if err := s.st.Update(ctx, func(tx dangke.Tx) error { return tx.AddFile(ctx, &f) }); err != nil {
			t.Fatal(err)
		}
		m.Thumb(f.SHA256, f.Ext)
		return f
	}
	mine := put(1, 3)   // 温县's lecture
	theirs := put(6, 5) // 孟州市's
	s.say(t, "b1", "admin", "/优秀 #1")
	s.say(t, "b1", "admin", "/优秀 #6")

	county := s.link(t, "g1")
	_, body := fetch(t, county)
	src := regexp.MustCompile(`<img class="photo" src="([^"]+)"`).FindStringSubmatch(body)
	if src == nil {
		t.Fatal("the excellent lecture shows no photo")
	}
	base := county[:strings.LastIndex(county, "/")+1]
	resp, err := httpGet(base + src[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("the photo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, _, err := image.Decode(resp.Body); err != nil {
		t.Errorf("the photo is no image: %v", err)
	}
	// Another county's photo through this county's link, a forged link, a
	// file that is not there: refused.
	token := strings.TrimPrefix(county, s.srv.URL+"/d/")
	for _, u := range []string{
		s.srv.URL + "/d/" + token + "/p/" + itoa(theirs.ID),
		s.srv.URL + "/d/" + token + "x/p/" + itoa(mine.ID),
		s.srv.URL + "/d/" + token + "/p/9999",
	} {
		if code, _ := fetch(t, u); code == 200 {
			t.Errorf("%s: 200", u)
		}
	}
	// The city's link reaches both.
	city := s.link(t, "city")
	ctoken := strings.TrimPrefix(city, s.srv.URL+"/d/")
	if code, _ := fetch(t, s.srv.URL+"/d/"+ctoken+"/p/"+itoa(theirs.ID)); code != 200 {
		t.Errorf("the city's link: %d", code)
	}
}
