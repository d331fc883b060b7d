package waf

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The operator @detectShell (a finderOp of findShellCommand and shellMayMatch) reads a
// value the way a POSIX shell (or cmd.exe) would read it after an application pasted
// it into a command line, and matches when a command an attacker runs stands where the
// shell runs a command. It captures the command as the shell would see it as TX.0.
//
// # How it reads
//
// A new command starts after a control operator (;, |, ||, &, &&, a line break), inside
// a command substitution ($( ), backticks) or a process substitution (<( ), >( )).
// There the tokenizer reads one word as the shell reads it, which undoes the evasions
// that keep a word out of a keyword list: quotes inside it (w'h'o"am"i), backslashes
// (c\at), empty substitutions and unset variables (un$()ame, c${u}at, who$@ami), ANSI-C
// quoting ($'\x69\x64'), $IFS for a blank (cat${IFS}/etc/passwd), brace expansion
// ({cat,/etc/passwd}), and globs (/???/c?t, matched against the list). A path is read
// for its last element (/usr/bin/id, C:\Windows\System32\whoami.exe).
//
// # What it matches
//
// The word must name a command from the lists below, and the text after it must be
// what follows a command in a shell rather than in a sentence. Commands whose names are
// not words (whoami, uname, wget, nc, bash) match on their own, at the end of the value
// or before another operator ("127.0.0.1; id"), or with an argument shaped like one: an
// option (-a, /all for cmd.exe), a path, a URL, an address or host name, a number, a
// variable, a quoted string. Commands whose names are words (cat, sleep, ping, type,
// find) match only with such an argument: "; cat /etc/passwd", not "; cat food".
//
// A value that reads as prose (a dozen words and more, mostly letters) is a forum post
// or a message, not an argument a shell receives whole; its pipes and backticks are
// Markdown and code samples ("run `curl ... | sh`"), so only bash's network
// redirections (/dev/tcp/) are looked for there. An attacker can pad a payload with
// prose to pass this operator; the CRS's 932 rules, which have no such gate, still
// read it.

// shellMayMatch: a command needs a control operator, a substitution or a /dev/tcp/ path.
func shellMayMatch(value string) bool {
	return strings.ContainsAny(value, ";|&\n\r`(") || strings.Contains(value, "/dev/")
}

// Command tiers: a name that is no word of prose, and one that is.
const (
	shellBare  = 1 // matches on its own, or with an argument shaped like one
	shellWords = 2 // matches only with an argument shaped like one
)

// shellCommands are the commands of Unix and Windows that injected commands run:
// reconnaissance, file reading, downloaders, interpreters and reverse shells.
var shellCommands = func() map[string]int {
	m := make(map[string]int)
	for _, name := range strings.Fields(`
		id whoami uname hostname ifconfig ipconfig netstat nslookup getent lsof iptables sysctl dmesg
		wget curl nc ncat netcat socat telnet tftp ssh scp nmap
		bash sh zsh ksh csh tcsh dash ash busybox python python2 python3 perl ruby php node nodejs
		chmod chown chgrp passwd useradd usermod mkfifo mknod base64 xxd crontab nohup sudo
		traceroute tracert printenv pwd ls
		certutil bitsadmin powershell pwsh cmd systeminfo tasklist taskkill wmic nltest schtasks
		mshta rundll32 regsvr32 cscript wscript msiexec vssadmin iex`) {
		m[name] = shellBare
	}
	for _, name := range strings.Fields(`
		cat tac head tail more less nl od strings grep egrep awk sed echo printf set export env
		ps kill pkill killall sleep ping dig host whois file find dir type ver net reg sc
		rm mv cp touch mkdir dd tar zip unzip gzip openssl timeout time wait read cut sort tr
		which who last date df du free top mount lua java ftp tee xargs start ip`) {
		m[name] = shellWords
	}
	return m
}()

// shellGlobs are the names of shellCommands, for a command word with a glob in it.
var shellGlobs = func() []string {
	var names []string
	for n := range shellCommands {
		names = append(names, n)
	}
	slices.Sort(names) // the first that matches is the one named, the same each time
	return names
}()

// findShellCommand returns the first command in s that stands where a shell runs one,
// as the shell reads it.
func findShellCommand(s string) (string, bool) {
	if i := strings.Index(s, "/dev/tcp/"); i >= 0 {
		return s[i:min(len(s), i+40)], true
	}
	if i := strings.Index(s, "/dev/udp/"); i >= 0 {
		return s[i:min(len(s), i+40)], true
	}
	backticks := 0
	// Where the last blank and the last '=' or '?' were: an '&' with a '=' or '?'
	// since the last blank separates a query's or a form's fields (a=1&b=2), and
	// keeping both as the loop goes answers that without reading back from each '&'.
	lastBlank, lastField := -1, -1
	for i := 0; i < len(s); i++ {
		start := -1
		switch c := s[i]; {
		case isBlank(c):
			lastBlank = i
		case c == '=' || c == '?':
			lastField = i
		}
		switch c := s[i]; c {
		case ';':
			if !htmlEntityEndAt(s, i) {
				start = i + 1
			}
		case '\n', '\r':
			start = i + 1
		case '|':
			start = i + 1
			if start < len(s) && (s[start] == '|' || s[start] == '&') {
				i++
				start++
			}
		case '&':
			switch {
			case i+1 < len(s) && s[i+1] == '&':
				i++
				start = i + 1
			case i > 0 && s[i-1] == '>', i+1 < len(s) && s[i+1] == '>':
				// a redirection: >&2, &>file
			case htmlEntityAt(s, i), lastField > lastBlank: // an entity; a query's a=1&b=2
			default:
				start = i + 1
			}
		case '`':
			backticks++
			if backticks%2 == 1 {
				start = i + 1
			}
		case '(':
			if i > 0 && strings.IndexByte("$<>", s[i-1]) >= 0 && (i+1 >= len(s) || s[i+1] != '(') {
				start = i + 1
			}
		}
		if start < 0 || start >= len(s) {
			continue
		}
		// The command is read within a window: a command word and its first
		// argument are short, and a long value with many operators stays linear.
		if cmd, ok := commandAt(s[:min(len(s), start+shellWindow)], start); ok {
			if proseLike(s) {
				return "", false
			}
			return cmd, true
		}
	}
	return "", false
}

// shellWindow bounds how far past a command's start commandAt reads.
const shellWindow = 512

// commandAt reads the command that starts at s[i] (after blanks and variable
// assignments) and reports whether it is one of shellCommands followed by what follows
// a command.
func commandAt(s string, i int) (string, bool) {
	for range 4 { // assignments before the command: a=1 b=2 cmd
		i = skipBlanks(s, i)
		if i >= len(s) {
			return "", false
		}
		var w shellWordRead
		if s[i] == '{' {
			w = braceWord(s, i)
		} else {
			w = readShellWord(s, i)
		}
		if w.assignment {
			i = w.end
			continue
		}
		if w.word == "" {
			return "", false
		}
		tier, name := lookupCommand(w.word, w.glob)
		if tier == 0 {
			return "", false
		}
		// jQuery's $(id).hide() is JavaScript, not a substitution.
		if i >= 2 && s[i-2:i] == "$(" && w.end+1 < len(s) && s[w.end] == ')' && s[w.end+1] == '.' {
			return "", false
		}
		next := w.rest
		if next == "" {
			next = s[w.end:]
		}
		switch argumentShape(next) {
		case argEnd:
			if tier == shellBare {
				return name, true
			}
		case argShaped:
			return name + " " + firstField(next), true
		}
		return "", false
	}
	return "", false
}

// shellWordRead is a word as readShellWord read it.
type shellWordRead struct {
	word       string // as the shell sees it: quotes and escapes removed, expansions done
	end        int    // offset in s just past the word
	glob       bool   // has an unquoted *, ? or [
	assignment bool   // name=value: a variable assignment, not a command
	rest       string // for a brace expansion, what follows the command in the braces
}

// readShellWord reads the shell word at s[i].
func readShellWord(s string, i int) shellWordRead {
	var b strings.Builder
	w := shellWordRead{}
	nameSoFar := true // the word so far could be a variable name
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || strings.IndexByte(";|&<>()", c) >= 0:
			w.word, w.end = b.String(), i
			return w
		case c == '=' && nameSoFar && b.Len() > 0:
			w.assignment = true
			// The value runs to the next blank, quotes and all.
			for i < len(s) && !isBlank(s[i]) && strings.IndexByte(";|&", s[i]) < 0 {
				i++
			}
			w.end = i
			return w
		case c == '`':
			if i+1 < len(s) && s[i+1] == '`' { // an empty substitution
				i += 2
				continue
			}
			w.word, w.end = b.String(), i
			return w
		case c == '\\':
			if i+1 < len(s) {
				if s[i+1] != '\n' {
					b.WriteByte(s[i+1])
				}
				i += 2
				continue
			}
			i++
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				b.WriteString(s[i+1:])
				i = len(s)
				continue
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case c == '"':
			end := closingQuote(s, i+1)
			b.WriteString(expandQuoted(s[i+1 : end]))
			i = min(len(s), end+1)
		case c == '$':
			n, text, blank := dollar(s, i)
			if blank { // $IFS: the word ends here
				w.word, w.end = b.String(), i
				return w
			}
			b.WriteString(text)
			i += n
		default:
			if c == '*' || c == '?' || c == '[' {
				w.glob = true
			}
			nameSoFar = nameSoFar && (c == '_' || isAlpha(c) || b.Len() > 0 && c >= '0' && c <= '9')
			b.WriteByte(c)
			i++
			continue
		}
		nameSoFar = false // quoted, escaped or expanded text: no longer a plain name
	}
	w.word, w.end = b.String(), i
	return w
}

// braceWord reads a brace expansion at command position, {cat,/etc/passwd}: the shell
// runs its first element with the others as arguments.
func braceWord(s string, i int) shellWordRead {
	end := strings.IndexByte(s[i:], '}')
	if end < 0 {
		return shellWordRead{end: len(s)}
	}
	parts := strings.Split(s[i+1:i+end], ",")
	if len(parts) < 2 {
		return shellWordRead{end: i + end + 1}
	}
	w := readShellWord(parts[0], 0)
	w.end = i + end + 1
	w.rest = strings.Join(parts[1:], " ")
	return w
}

// dollar reads a $ expansion at s[i]: it returns its length, the text it stands for
// in a command word, and whether it is $IFS (a blank).
func dollar(s string, i int) (n int, text string, blank bool) {
	if i+1 >= len(s) {
		return 1, "$", false
	}
	switch c := s[i+1]; {
	case c == '\'': // ANSI-C quoting
		end := strings.IndexByte(s[i+2:], '\'')
		if end < 0 {
			return len(s) - i, ansiC(s[i+2:]), false
		}
		return end + 3, ansiC(s[i+2 : i+2+end]), false
	case c == '(':
		if i+2 < len(s) && s[i+2] == ')' { // $(): empty
			return 3, "", false
		}
		return 1, "$", false // a substitution: findShellCommand reads it
	case c == '{':
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return 2, "", false
		}
		name := s[i+2 : i+2+end]
		return end + 3, "", name == "IFS"
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		return j - i, "", s[i+1:j] == "IFS"
	case c >= '0' && c <= '9' || strings.IndexByte("@*#?!$-", c) >= 0:
		return 2, "", false // positional and special parameters: empty in an injected command
	}
	return 1, "$", false
}

// ansiC decodes the escapes of a $'...' string: \xHH, \NNN (octal), \uHHHH, \n and the like.
func ansiC(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			j := i + 1
			for j < len(s) && j < i+1+width && isHex(s[j]) {
				j++
			}
			if v, err := strconv.ParseUint(s[i+1:j], 16, 32); err == nil && j > i+1 {
				if c == 'x' {
					b.WriteByte(byte(v))
				} else {
					b.WriteRune(rune(v))
				}
				i = j - 1
			} else {
				b.WriteByte(c)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(v))
			i = j - 1
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// closingQuote returns the offset of the '"' that closes a double-quoted string
// starting at s[i], or len(s).
func closingQuote(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
		case '"':
			return i
		default:
			i++
		}
	}
	return len(s)
}

// expandQuoted is a double-quoted string's text in a command word: backslash escapes
// and empty expansions undone ("w\h${x}o$@ami").
func expandQuoted(s string) string {
	if strings.IndexAny(s, "\\$`") < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i += 2
		case c == '$' && i+1 < len(s) && s[i+1] != '\'':
			n, text, _ := dollar(s, i)
			b.WriteString(text)
			i += n
		case c == '`' && i+1 < len(s) && s[i+1] == '`':
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// lookupCommand returns the tier of the command a word names, and the name: the word's
// last path element, without Windows's .exe; Windows's names in any case.
func lookupCommand(word string, glob bool) (int, string) {
	name := word
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 4 && strings.EqualFold(name[len(name)-4:], ".exe") {
		name = name[:len(name)-4]
	}
	if name == "" || len(name) > 32 {
		return 0, ""
	}
	if glob {
		if strings.Trim(name, "*?[]") == "" {
			return 0, "" // all glob: "*" and "?" are too common alone
		}
		for _, n := range shellGlobs {
			if ok, _ := path.Match(name, n); ok {
				return shellCommands[n], n
			}
		}
		return 0, ""
	}
	if t := shellCommands[name]; t != 0 {
		return t, name
	}
	// cmd.exe and PowerShell read names in any case; a Unix shell does not.
	if lower := strings.ToLower(name); lower != name {
		if t := shellCommands[lower]; t != 0 && windowsCommand(lower) {
			return t, lower
		}
	}
	return 0, ""
}

func windowsCommand(name string) bool {
	switch name {
	case "whoami", "hostname", "ipconfig", "netstat", "nslookup", "certutil", "bitsadmin", "powershell", "pwsh",
		"cmd", "systeminfo", "tasklist", "taskkill", "wmic", "nltest", "schtasks", "mshta", "rundll32", "regsvr32",
		"cscript", "wscript", "msiexec", "vssadmin", "iex", "tracert", "ping", "type", "dir", "ver", "net", "reg",
		"sc", "set", "echo", "find", "more", "start", "timeout", "curl", "tar":
		return true
	}
	return false
}

// What follows a command word.
const (
	argNone   = iota // a word of prose
	argEnd           // nothing, or an operator: the command stands alone
	argShaped        // an argument shaped like a command's
)

// argumentShape tells what follows a command word: the end of the command, an
// argument shaped like one (option, path, URL, address, number, variable, quoted
// string, redirection), or prose.
func argumentShape(s string) int {
	i := skipBlanks(s, 0)
	if i >= len(s) {
		return argEnd
	}
	rest := s[i:]
	switch c := rest[0]; {
	case strings.IndexByte(";|&)`#", c) >= 0:
		return argEnd
	case c == '<' || c == '>':
		return argShaped // a redirection
	case c == '-' && len(rest) > 1 && (isAlnum(rest[1]) || rest[1] == '-'):
		return argShaped // -a, --all
	case c == '/' || c == '\\' || c == '~' || c == '$' || c == '\'' || c == '"':
		return argShaped // a path, cmd.exe's /all, a UNC path, a variable, a quoted string
	case c == '.' && len(rest) > 1 && (rest[1] == '/' || rest[1] == '.'):
		return argShaped
	case c >= '0' && c <= '9':
		return argShaped // a number, an address
	case len(rest) > 2 && isAlpha(c) && rest[1] == ':' && (rest[2] == '\\' || rest[2] == '/'):
		return argShaped // C:\
	}
	w := firstField(rest)
	if strings.Contains(w, "://") || strings.IndexByte(w, '\\') >= 0 || hostLike(w) {
		return argShaped // a URL, a Windows or registry path (HKLM\Software), a host
	}
	if subcommands[strings.ToLower(w)] {
		// net user, reg query: shaped when the subcommand is followed by what
		// follows a command, not by more prose ("net users say so").
		if after := argumentShape(rest[len(w):]); after != argNone {
			return argShaped
		}
	}
	return argNone
}

// subcommands are first arguments that make a word a command: cmd.exe's net, reg and
// sc, and Unix's ip, read the system with them (net user, reg query, sc qc, ip addr).
var subcommands = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`user users localgroup group view share use session sessions accounts config
		query add delete export save qc queryex addr address route neigh link`) {
		m[w] = true
	}
	return m
}()

// hostLike reports whether w looks like a host name or a file name with an
// extension: letters, digits and hyphens in two or more labels.
func hostLike(w string) bool {
	w = strings.TrimRight(w, ".,;:!?")
	labels := strings.Split(w, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
		for j := 0; j < len(l); j++ {
			if !isAlnum(l[j]) && l[j] != '-' && l[j] != '_' {
				return false
			}
		}
	}
	return true
}

// proseLike reports whether s reads as prose: at least 12 words of two letters or
// more, which make up most of it.
func proseLike(s string) bool {
	if len(s) < 60 {
		return false
	}
	words, letters := 0, 0
	for i := 0; i < len(s); {
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isSpaceByte(s[j]) {
			j++
		}
		f := strings.TrimRight(s[i:j], ".,;:!?")
		i = j
		if len(f) < 2 {
			continue
		}
		alpha := true
		for k := 0; k < len(f); k++ {
			if c := f[k]; !(c == '\'' || c == '-' || isAlpha(c) || c >= utf8.RuneSelf) {
				alpha = false
				break
			}
		}
		if alpha {
			words++
			letters += len(f)
		}
	}
	return words >= 12 && 2*letters >= len(s)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// htmlEntityAt reports whether the '&' at s[i] starts an HTML character reference
// (&amp; &#38; &#x26;), which is text, not an operator.
func htmlEntityAt(s string, i int) bool {
	j := i + 1
	if j < len(s) && s[j] == '#' {
		j++
	}
	k := j
	for k < len(s) && k-j < 32 && isAlnum(s[k]) {
		k++
	}
	return k > j && k < len(s) && s[k] == ';'
}

// htmlEntityEndAt reports whether the ';' at s[i] ends an HTML character reference.
func htmlEntityEndAt(s string, i int) bool {
	for j := i - 1; j >= 0 && i-j <= 33; j-- {
		switch c := s[j]; {
		case c == '&':
			return j < i-1
		case !isAlnum(c) && c != '#':
			return false
		}
	}
	return false
}

func skipBlanks(s string, i int) int {
	for i < len(s) {
		switch {
		case isBlank(s[i]):
			i++
		case strings.HasPrefix(s[i:], "${IFS}"):
			i += 6
		case strings.HasPrefix(s[i:], "$IFS"):
			i += 4
			if i < len(s) && s[i] == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				i += 2 // $IFS$9
			}
		default:
			return i
		}
	}
	return i
}

func firstField(s string) string {
	s = s[skipBlanks(s, 0):]
	if i := strings.IndexAny(s, " \t\r\n;|&"); i >= 0 {
		return s[:i]
	}
	return s
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
