package main

import "fmt"

// class is the scheduling class that spin runs its threads in.
type class int

const (
	// classLow is nice 19 in the normal class, SCHED_OTHER: the default
	// of scopegate's password child.
	classLow class = iota

	// classIdle is SCHED_IDLE, the idle setting of the password child.
	classIdle
)

// parseClass reads the value of the -class flag.
func parseClass(s string) (class, error) {
	switch s {
	case "low":
		return classLow, nil
	case "idle":
		return classIdle, nil
	}

	return 0, fmt.Errorf("invalid -class %q: use low (nice 19) or idle (SCHED_IDLE)", s)
}

func (c class) String() string {
	if c == classIdle {
		return "SCHED_IDLE"
	}

	return "nice 19"
}
