package waf

import (
	"strings"
)

// The operator @detectTemplate (a finderOp of findTemplateInjection and
// templateMayMatch) finds the expressions a template
// engine would evaluate in a value ({{ }}, {% %}, ${ }, #{ }, *{ }, @( ), @{ }, <%= %>,
// FreeMarker's <# >, Velocity's #set and $class, Smarty's {php}) and matches when one of
// them is an injection rather than a placeholder: arithmetic on literals, the probe
// every scanner sends first ({{7*7}}, ${7*'7'}, <%= 7*7 %>), or a name or call that
// reaches out of the template into the language and the system (__class__,
// T(java.lang.Runtime), _self.env, constructor.constructor, ?new(), backticks in ERB,
// |filter('system'), System.Diagnostics.Process). It captures the expression as TX.0.
//
// Template syntax is everywhere in ordinary traffic, and mostly harmless: mustache
// placeholders in e-mail templates ({{first_name}}), JavaScript template literals in a
// code sample (`${a + b}`), Helm values ({{ .Values.image }}), Ruby interpolation
// (#{user.name}). None of those does arithmetic on literals or names the language's
// machinery, which is what an injection needs to learn that it runs and to get out.
// So the expression is tokenized (identifiers, numbers, strings, operators) and judged,
// where a regular expression over the delimiters would flag every placeholder, and one
// over the names every mention of "config" or "request".

// templateMayMatch: every delimiter has a '{', a '(' or a '%', or is FreeMarker's "<#"
// or a Velocity directive's '#' or '$'.
func templateMayMatch(value string) bool {
	return strings.ContainsAny(value, "{(%#$")
}

// templateOpeners are the delimiters that open an expression, each with the one that
// closes it. "<%" covers "<%=", "<%-" and JSP scriptlets; "{{" covers "{{=" (doT) and
// "{{{" (Handlebars).
var templateOpeners = []struct{ open, close string }{
	{"{{", "}}"},
	{"{%", "%}"},
	{"${", "}"},
	{"#{", "}"},
	{"*{", "}"},
	{"@{", "}"},
	{"@(", ")"},
	{"<%", "%>"},
	{"<#", ">"},
	{"#set(", ")"},
	{"{php}", "{/php}"},
}

// maxTemplateExpr bounds how far a closing delimiter is looked for, and so the
// expression judged: injections are short, and a value of many openers stays linear.
const maxTemplateExpr = 512

// findTemplateInjection returns the first template expression in s, or in s with its
// percent-encoding undone once more, that is an injection.
func findTemplateInjection(s string) (string, bool) {
	if found, ok := findTemplateExpr(s); ok {
		return found, true
	}
	if strings.IndexByte(s, '%') >= 0 {
		return findTemplateExpr(percentDecode(s))
	}
	return "", false
}

// findTemplateExpr returns the first template expression in s that is an injection.
func findTemplateExpr(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '$', '#', '*', '@', '<':
		default:
			continue
		}
		for _, d := range templateOpeners {
			if !strings.HasPrefix(s[i:], d.open) {
				continue
			}
			window := s[i+len(d.open) : min(len(s), i+len(d.open)+maxTemplateExpr)]
			end := closingDelimiter(window, d.open, d.close)
			expr := window[:end]
			if d.open == "{php}" || hostileExpression(expr, d.open) {
				return s[i:min(len(s), i+len(d.open)+end+len(d.close))], true
			}
		}
	}
	// Velocity's introspection, which needs no delimiter: $class.inspect("java.lang.Runtime").
	if i := strings.Index(s, "$class.inspect("); i >= 0 {
		return s[i:min(len(s), i+64)], true
	}
	// Smarty's calls in single braces: {system('id')}, {$smarty.version}, {self::getStreamVariable(...)}.
	for _, p := range []string{"{system(", "{exec(", "{passthru(", "{shell_exec(", "{$smarty.", "{self::", "{Smarty_Internal_"} {
		if i := strings.Index(s, p); i >= 0 {
			return s[i:min(len(s), i+64)], true
		}
	}
	return "", false
}

// closingDelimiter returns the offset in w of the delimiter that closes an expression
// opened by open, counting nested braces or parentheses for the single-character
// closers (${a{b}} and @(f(x))); len(w) when it is not there: an expression cut off by
// the end of a value is judged too, as lenient engines evaluate it.
func closingDelimiter(w, open, close string) int {
	if len(close) > 1 || close == ">" {
		if j := strings.Index(w, close); j >= 0 {
			return j
		}
		return len(w)
	}
	opener := byte('{')
	if close == ")" {
		opener = '('
	}
	depth := 0
	for j := 0; j < len(w); j++ {
		switch w[j] {
		case opener:
			depth++
		case close[0]:
			if depth == 0 {
				return j
			}
			depth--
		}
	}
	return len(w)
}

// hostileExpression judges the text between template delimiters.
func hostileExpression(expr, open string) bool {
	e := strings.TrimSpace(expr)
	if open == "<#" {
		// FreeMarker directives: assign and include are how Execute is reached.
		return strings.Contains(e, "?new") || strings.Contains(e, "Execute") || strings.Contains(e, "?api")
	}
	e = strings.TrimLeft(e, "=-~!:")              // {{= }} (doT), <%= %>, <%- %>, {{~ }}
	e = strings.TrimSpace(strings.Trim(e, "{} ")) // ${{7*7}}, ${ {7*7} }
	if e == "" {
		return false
	}
	if arithmeticProbe(e) {
		return true
	}
	if strings.IndexByte(e, '`') >= 0 && (open == "#{" || open == "<%" || open == "${") {
		// A command in backticks: Ruby's #{`id`}, ERB's <%= `id` %>, Groovy.
		if i := strings.IndexByte(e, '`'); strings.IndexByte(e[i+1:], '`') > 0 {
			return true
		}
	}
	return hostileNames(e)
}

// arithmeticProbe reports whether e is arithmetic on literals only: numbers and quoted
// strings joined by + - * / % (and Python's **), with at least one operator, two
// operands and a number among them: 7*7, 7*'7', 1337+1, '7'*7 (not -1).
func arithmeticProbe(e string) bool {
	ops, nums, operands := 0, 0, 0
	for i := 0; i < len(e); {
		switch c := e[i]; {
		case c == ' ' || c == '\t' || c == '(' || c == ')':
			i++
		case c >= '0' && c <= '9':
			for i < len(e) && (e[i] >= '0' && e[i] <= '9' || e[i] == '.') {
				i++
			}
			nums++
			operands++
		case c == '\'' || c == '"':
			j := strings.IndexByte(e[i+1:], c)
			if j < 0 || j > 16 {
				return false
			}
			i += j + 2
			operands++
		case strings.IndexByte("+-*/%", c) >= 0:
			i++
			if i < len(e) && c == '*' && e[i] == '*' {
				i++
			}
			ops++
		default:
			return false
		}
	}
	return ops >= 1 && nums >= 1 && operands >= 2
}

// templateHostile are names and calls that take an expression out of the template
// into the language's runtime and the system, by engine. Each is matched as a whole
// identifier path element or call, in the expression only.
var templateHostile = []string{
	// Python (Jinja2, Mako, Tornado): the object model and the modules.
	"__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__init__", "__import__",
	"__base__", "__bases__", "__dict__", "__getattribute__", "__reduce__",
	"os.system", "os.popen", "subprocess", "popen(", "_TemplateReference__context",
	// Twig, Smarty (PHP).
	"_self.env", "registerUndefinedFilterCallback", "getFilter(", "filter('system')", "filter(\"system\")",
	"map('system')", "map(\"system\")", "system(", "passthru(", "shell_exec(", "proc_open(",
	// Java EL, Spring, Thymeleaf, OGNL, FreeMarker, Velocity.
	"T(java.", "java.lang.", "getRuntime(", "ProcessBuilder", "Class.forName", "getClass()",
	".forName(", "#_memberAccess", "@java.lang", "freemarker.template", "?new(", "ObjectConstructor",
	"getDeclaredMethod", "getMethod(", ".invoke(", "ScriptEngineManager",
	// JavaScript (Angular, Nunjucks, Handlebars, Pug, doT, EJS).
	"constructor.constructor", ".constructor(", "child_process", "mainModule", "process.binding",
	"global.process", "Function(", "execSync", "spawnSync",
	// Ruby (ERB, Slim, Haml, Liquid).
	"IO.popen", "Kernel.", "%x(", "%x{", "instance_eval", "class_eval", "Open3",
	// .NET (Razor).
	"System.Diagnostics", "Process.Start", "System.IO.File",
	// Flask's config and the Jinja globals that lead to it, alone or read whole.
	"config.items", "config.__", "request.application", "request.environ", "lipsum.", "cycler.", "joiner.", "namespace.__",
	"url_for.__", "get_flashed_messages.__", "self.__", "self._",
}

// hostileNames reports whether e names one of templateHostile, or is Flask's config on
// its own ({{config}}).
func hostileNames(e string) bool {
	if e == "config" || e == "self" || strings.HasPrefix(e, "config|") || strings.HasPrefix(e, "config ") {
		return true
	}
	for _, h := range templateHostile {
		if containsName(e, h) {
			return true
		}
	}
	return false
}

// containsName reports whether name occurs in e not as the tail of a longer name
// (system( in filesystem(, config.items in myconfig.items).
func containsName(e, name string) bool {
	for off := 0; ; {
		i := strings.Index(e[off:], name)
		if i < 0 {
			return false
		}
		i += off
		if i == 0 || !isNameChar(e[i-1]) || !isNameChar(name[0]) {
			return true
		}
		off = i + 1
	}
}

func isNameChar(c byte) bool { return c == '_' || isAlnum(c) }
