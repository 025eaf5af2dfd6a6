package badgeimg

import (
	"math"
	"strconv"
	"strings"
)

// icons are the glyphs of the Icon values, as path data in a 100×100 box.
var icons = map[Icon]string{
	Star:  starPath(),
	Check: "M 12 54 L 27 39 L 42 54 L 75 21 L 90 36 L 42 84 Z",
	Book: "M 46 26 C 36 18 22 16 6 20 L 6 80 C 22 76 36 78 46 86 Z " +
		"M 54 26 C 64 18 78 16 94 20 L 94 80 C 78 76 64 78 54 86 Z",
	Cap: "M 50 14 L 98 36 L 50 58 L 2 36 Z " +
		"M 22 50 L 50 63 L 78 50 L 78 72 C 78 84 22 84 22 72 Z " +
		"M 86 40 L 90 40 L 90 72 L 86 72 Z",
	Bolt: "M 60 2 L 16 56 L 45 56 L 36 98 L 84 40 L 55 40 Z",
	Heart: "M 50 90 C 20 68 4 52 4 32 C 4 17 16 7 30 7 C 39 7 46 12 50 19 " +
		"C 54 12 61 7 70 7 C 84 7 96 17 96 32 C 96 52 80 68 50 90 Z",
	Code: "M 34 22 L 43 31 L 24 50 L 43 69 L 34 78 L 6 50 Z " +
		"M 66 22 L 94 50 L 66 78 L 57 69 L 76 50 L 57 31 Z",
}

// starPath is a five-pointed star centred in the box.
func starPath() string {
	var b strings.Builder
	for i := range 10 {
		r := 50.0
		if i%2 == 1 {
			r = 20
		}
		a := math.Pi / 5 * float64(i)
		op := "L"
		if i == 0 {
			op = "M"
		}
		x := 50 + r*math.Sin(a)
		y := 54 - r*math.Cos(a)
		b.WriteString(op + " " + strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) + " " + strconv.FormatFloat(math.Round(y*100)/100, 'f', -1, 64) + " ")
	}
	b.WriteString("Z")
	return b.String()
}
