//go:build race

package waf

// raceEnabled is true under -race, where the slow exhaustive tests sample less.
const raceEnabled = true
