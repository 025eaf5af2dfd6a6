//go:build !race

package app

// raceScale divides the sizes of the heaviest tests under the race
// detector (see race_on_test.go); without it, 1.
const raceScale = 1
