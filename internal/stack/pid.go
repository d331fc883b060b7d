package stack

// Pid returns the process id of nginx's master process (its workers are its children),
// for callers that account for its CPU time or memory in /proc.
func (n *Nginx) Pid() int {
	if n.cmd == nil || n.cmd.Process == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// Pid returns sidewall's process id (of its latest start, after a Restart), or 0 when it
// was never started.
func (s *Sidewall) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Pid returns redis-server's process id (of its latest start), or 0 when it was never
// started.
func (r *Redis) Pid() int {
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}
