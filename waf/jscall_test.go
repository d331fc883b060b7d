package waf

import "testing"

func TestFindJSCall(t *testing.T) {
	testFinder(t, "findJSCall", findJSCall, []finderCase{
		{"confirm.call(null,1)", "confirm.call(null,1)"},
		{"alert.apply(null,[1])", "alert.apply(null,[1])"},
		{"prompt . bind(window)(1)", "prompt . bind(window)(1)"},
		{"prompt.call`1`", "prompt.call`1`"},
		{"alert?.(1)", "alert?.(1)"},
		{"alert`1`", "alert`1`"},
		{"\"-[1].find(alert)-\"", "find(alert)-\""},
		{"x.then(confirm)", "then(confirm)"},
		{"arr.reduce(f, alert)", "reduce(f, alert)"},
		{"Reflect.apply(alert,null,[1])", "apply(alert,null,[1"},
		{"top['al'+'ert'](1)", "top['al'+'ert'](1)"},
		{"top['al' 'ert'](1)", "top['al' 'ert'](1)"},
		{"self[atob('YWxlcnQ=')](1)", "self[atob('YWxlcnQ=')](1)"},
		{"window[\"\\x61lert\"]`1`", "window[\"\\x61lert\"]`1`"},
		{"[].constructor.constructor('alert(1)')()", "constructor.constructor('alert(1)')()"},
		{"\"-alert(1)-\"", "alert(1)-\""},
		{"';confirm(1)//", "confirm(1)//"},
		{"\");eval(name);//", "eval(name);//"},
		// Not sinks, or not called indirectly.
		{"alert(1)", ""},
		{"Set an alert. Call us at (555) 0100", ""},
		{"myalert.call(x)", ""},
		{"alerts.find(a => a.id)", ""},
		{"items.find(item => item.id === id)", ""},
		{"window['location'](1)", ""},
		{"top[name](1)", ""},
		{"console.log(`${a}`)", ""},
		{"Function.prototype.call.call(f)", ""},
		{"He said \"ok\" (alert)", ""},
	})
}

func FuzzFindJSCall(f *testing.F) {
	fuzzFinder(f, findJSCall, "top['al'+atob('ZXJ0')](1)", "\"-[1].find(alert)-\"")
}
