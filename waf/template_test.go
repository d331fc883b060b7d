package waf

import "testing"

func TestFindTemplateInjection(t *testing.T) {
	testFinder(t, "findTemplateInjection", findTemplateInjection, []finderCase{
		// Probes.
		{"{{7*7}}", "{{7*7}}"},
		{"Hello {{ 7 * '7' }}!", "{{ 7 * '7' }}"},
		{"${7*7}", "${7*7}"},
		{"#{7*7}", "#{7*7}"},
		{"*{7*7}", "*{7*7}"},
		{"@(7*7)", "@(7*7)"},
		{"<%= 7*7 %>", "<%= 7*7 %>"},
		{"{{= 7*7}}", "{{= 7*7}}"},
		{"${{7*7}}", "${{7*7}}"},
		{"{{1337+1}}", "{{1337+1}}"},
		// Escapes.
		{"{{''.__class__.__mro__[1].__subclasses__()}}", "{{''.__class__.__mro__[1].__subclasses__()}}"},
		{"{{ self.__init__.__globals__.__builtins__ }}", "{{ self.__init__.__globals__.__builtins__ }}"},
		{"{{config}}", "{{config}}"},
		{"{{config.items()}}", "{{config.items()}}"},
		{"{{_self.env.registerUndefinedFilterCallback(\"exec\")}}", "{{_self.env.registerUndefinedFilterCallback(\"exec\")}}"},
		{"{{['id']|filter('system')}}", "{{['id']|filter('system')}}"},
		{"${T(java.lang.Runtime).getRuntime().exec('id')}", "${T(java.lang.Runtime).getRuntime().exec('id')}"},
		{"<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}", "<#assign ex=\"freemarker.template.utility.Execute\"?new()>"},
		{"#set($x=$class.inspect(\"java.lang.Runtime\"))", "#set($x=$class.inspect(\"java.lang.Runtime\"))"},
		{"<%= `id` %>", "<%= `id` %>"},
		{"#{`id`}", "#{`id`}"},
		{"{{constructor.constructor('alert(1)')()}}", "{{constructor.constructor('alert(1)')()}}"},
		{"{{range.constructor(\"return global.process.mainModule.require('child_process').execSync('id')\")()}}", "{{range.constructor(\"return global.process.mainModule.require('child_process').execSync('id')\")()}}"},
		{"@{ System.Diagnostics.Process.Start(\"cmd.exe\",\"/c whoami\"); }", "@{ System.Diagnostics.Process.Start(\"cmd.exe\",\"/c whoami\"); }"},
		{"{php}echo `id`;{/php}", "{php}echo `id`;{/php}"},
		{"{system('id')}", "{system('id')}"},
		{"${ {7*7} }", "${ {7*7} }"},
		{"%7B%7B7%2A7%7D%7D", "{{7*7}}"},
		{"@(1%2B2)", "@(1+2)"},
		{"{{range.constructor(\"return process\")()}}", "{{range.constructor(\"return process\")()}}"},
		// Placeholders and code.
		{"Hello {{first_name}}, your order {{ order.id }} shipped", ""},
		{"const s = `Total: ${a + b} for ${items.length} items`;", ""},
		{"image: {{ .Values.image.repository }}:{{ .Values.image.tag }}", ""},
		{"puts \"Hi #{user.name}\"", ""},
		{"{% for p in products %}{{ p.title | upcase }}{% endfor %}", ""},
		{"width: #{$i * 10}px", ""},
		{"{{ -1 }} and ${1}", ""},
		{"{{ url_for('static', filename='app.css') }} {{ request.args.get('q') }}", ""},
		{"{{ myconfig.items }} {{ filesystem(x) }}", ""},
		{"emails: bob@(example) and @(items)", ""},
		{"$100-200 and 50% off {x}", ""},
		{"<%= @user.name %>", ""},
		{"{\"a\":{\"b\":1}}", ""},
	})
}

func FuzzFindTemplateInjection(f *testing.F) {
	fuzzFinder(f, findTemplateInjection, "{{7*'7'}}${a{b}}@(f(x))<%= `id` %>")
}
