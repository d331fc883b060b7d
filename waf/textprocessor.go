package waf

import (
	"io"
	"strings"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// textProcessor is the body processor TEXT: for a body of text that is neither JSON nor a
// form (chooseProcessor), the whole text is one argument, body:text, so that every rule
// that inspects arguments reads it as a value. (Coraza's default for such a body, a
// urlencoded form, made it one argument's name, or cut it at every '&' and '='.) The
// body is also REQUEST_BODY, as with RAW.
type textProcessor struct{}

// textArg names the argument that holds a TEXT body.
const textArg = "body:text"

func newTextProcessor() plugintypes.BodyProcessor { return textProcessor{} }

func (textProcessor) ProcessRequest(r io.Reader, v plugintypes.TransactionVariables, _ plugintypes.BodyProcessorOptions) error {
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	text := b.String()
	setSingle(v.RequestBody(), text)
	v.ArgsPost().Add(textArg, text)
	return nil
}

func (textProcessor) ProcessResponse(io.Reader, plugintypes.TransactionVariables, plugintypes.BodyProcessorOptions) error {
	return nil
}

// setSingle sets a Single variable. Coraza's collection.Single offers no setter, but its
// implementation has one, as Coraza's own body processors use.
func setSingle(c collection.Single, v string) {
	if s, ok := c.(interface{ Set(string) }); ok {
		s.Set(v)
	}
}
