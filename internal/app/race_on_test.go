//go:build race

package app

// raceScale divides the sizes of the heaviest tests under the race
// detector, which makes signing about ten times slower.
const raceScale = 4
