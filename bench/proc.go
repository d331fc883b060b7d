package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every
// Linux ABI (the kernel converts its own HZ to it for userspace), so the bench does not
// need cgo for sysconf(_SC_CLK_TCK).
const clockTick = 100

// procStat is what the bench reads of /proc/<pid>/stat.
type procStat struct {
	ppid  int
	ticks int64 // utime + stime
}

// readStat reads /proc/<pid>/stat. The command name (field 2) may hold spaces and
// parentheses, so the fields are counted from the last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("proc: malformed stat %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("proc: short stat %q", b)
	}
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseInt(f[11], 10, 64)
	st, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, fmt.Errorf("proc: malformed stat %q", b)
	}
	return procStat{ppid: ppid, ticks: ut + st}, nil
}

// children returns the pids of the live processes whose parent is ppid (nginx's workers).
func children(ppid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil && st.ppid == ppid {
			out = append(out, pid)
		}
	}
	return out
}

// group is a process and, for nginx, its workers: the unit whose CPU time is accounted.
type group struct {
	pids []int
}

// nginxGroup is nginx's master and its workers. The workers are looked up once: nginx
// forks them at start and, without a reload, never replaces them.
func nginxGroup(master int) group {
	return group{pids: append([]int{master}, children(master)...)}
}

// ticks returns the CPU time used so far by the group's processes, in clock ticks.
func (g group) ticks() int64 {
	var n int64
	for _, pid := range g.pids {
		if st, err := readStat(pid); err == nil {
			n += st.ticks
		}
	}
	return n
}

// memory is what /proc/<pid>/status says of a process's resident memory, in KiB.
type memory struct {
	RSS, HWM int64 // VmRSS now, VmHWM (the peak)
}

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		v := strings.Fields(value)
		if len(v) > 0 {
			*dst, _ = strconv.ParseInt(v[0], 10, 64)
		}
	}
	return m, sc.Err()
}

// usPerRequest converts a CPU time in clock ticks into microseconds per request.
func usPerRequest(ticks, requests int64) float64 {
	if requests <= 0 {
		return 0
	}
	return float64(ticks) * (1e6 / clockTick) / float64(requests)
}
