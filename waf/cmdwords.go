package waf

// cmdWords is the transformation t:cmdWords: the CRS's t:cmdLine (what cmd.exe would
// make of a value: carets, backslashes and quotes deleted, commas and semicolons read
// as blanks, blanks collapsed, no blank before "/" or "(", lower case), with the two
// things cmdLine forgets about how cmd reads a line:
//
//   - a double-quoted string is one word: its blanks, commas, semicolons and equals
//     signs become "_", so that "if "A A"=="A A" echo same" reads as
//     "if a_a==a_a echo same", a word on each side as cmd sees it;
//   - a line break ends a command (and any open quote): it stays a line break instead
//     of becoming a blank, so that "if x == 0:\n    return" is not read as one line.
//
// 932140's narrowing (narrow.go) confirms cmd's IF statement on this reading of a
// value: cmdLine alone cannot tell "x % 2" (three words, Python) from "x % 2" in
// quotes (one word, cmd).
func cmdWords(s string) (string, bool, error) {
	out := make([]byte, 0, len(s))
	quoted := false
	blank := false // the last byte written is a blank or a line break
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\'' || c == '\\' || c == '^':
		case c == '\n' || c == '\r':
			quoted = false
			if blank && out[len(out)-1] == ' ' {
				out = out[:len(out)-1]
			}
			if len(out) == 0 || out[len(out)-1] != '\n' {
				out = append(out, '\n')
			}
			blank = true
		case quoted && (c == ' ' || c == '\t' || c == ',' || c == ';' || c == '='):
			out = append(out, '_')
			blank = false
		case c == ' ' || c == '\t' || c == ',' || c == ';':
			if !blank {
				out = append(out, ' ')
				blank = true
			}
		case c == '/' || c == '(':
			if blank && out[len(out)-1] == ' ' {
				out = out[:len(out)-1]
			}
			out = append(out, c)
			blank = false
		default:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			blank = false
		}
	}
	t := string(out)
	return t, t != s, nil
}
