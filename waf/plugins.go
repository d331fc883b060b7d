package waf

import (
	"sync"

	"github.com/corazawaf/coraza/v3/experimental/plugins"
)

// registerPlugins registers sidewall's additions to SecLang with Coraza, once per
// process: the @rx operator (rx.go, replacing Coraza's own), @detectOverlongUTF8
// (overlong.go), @withinSlashed (listentry.go), t:cmdWords (cmdwords.go), the
// sidewallderive action (derive.go), the sidewallcrsdefaults action (crsdefaults.go)
// and the TEXT body processor (textprocessor.go), among others. Coraza keeps operators and actions in process-wide tables that its
// parser reads without a lock, so this must happen before any WAF is built: New calls
// it first thing, and sidewall builds no Coraza WAF but through New. It is a function
// rather than an init so that merely importing the package changes nothing.
func registerPlugins() {
	registerOnce.Do(func() {
		plugins.RegisterOperator("rx", newRx)
		plugins.RegisterOperator("detectOverlongUTF8", newOverlongOp)
		plugins.RegisterOperator("withinSlashed", newListEntryOp)
		plugins.RegisterOperator("detectXXE", newXXEOp)
		plugins.RegisterOperator("detectShell", finder(findShellCommand, shellMayMatch))
		plugins.RegisterOperator("detectTemplate", finder(findTemplateInjection, templateMayMatch))
		plugins.RegisterOperator("detectJSCall", finder(findJSCall, jsCallMayMatch))
		plugins.RegisterOperator("detectSQLiPath", finder(findSQLiSegment, sqliPathMayMatch))
		plugins.RegisterOperator("detectLibinjection", finder(findLibinjection, anyValue))
		plugins.RegisterOperator("detectTraversal", finder(findTraversal, traversalMayMatch))
		plugins.RegisterOperator("detectOSFile", finder(findOSFile, osFileMayMatch))
		plugins.RegisterTransformation("cmdWords", cmdWords)
		plugins.RegisterAction(deriveAction, newDeriver)
		plugins.RegisterAction(doctypeAction, newDoctyper)
		plugins.RegisterAction(headersAction, newHeadersChecker)
		plugins.RegisterAction(crsDefaultsAction, newDefaulter)
		plugins.RegisterBodyProcessor("text", newTextProcessor)
	})
}

var registerOnce sync.Once
