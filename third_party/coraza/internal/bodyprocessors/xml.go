// Copyright 2022 Juan Pablo Tosso and the OWASP Coraza contributors
// SPDX-License-Identifier: Apache-2.0

package bodyprocessors

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

type xmlBodyProcessor struct {
}

func (*xmlBodyProcessor) ProcessRequest(reader io.Reader, v plugintypes.TransactionVariables, options plugintypes.BodyProcessorOptions) error {
	values, contents, err := readXML(reader, options.RequestBodyRecursionLimit)
	if err != nil {
		return err
	}
	col := v.RequestXML()
	col.Set("//@*", values)
	col.Set("/*", contents)
	return nil
}

func (*xmlBodyProcessor) ProcessResponse(reader io.Reader, v plugintypes.TransactionVariables, options plugintypes.BodyProcessorOptions) error {
	return nil
}

// errXMLDepth is returned for a document nested deeper than the recursion limit.
var errXMLDepth = errors.New("max recursion reached while reading xml document")

// readXML collects the attribute values and the text of the document. A
// document nested deeper than maxDepth elements (maxDepth <= 0: no limit) is an
// error, as a JSON body nested deeper than the same limit is: the option is the
// body processors' recursion limit, and without it an XML body was the one body
// a request could nest without bound (SecRequestBodyJsonDepthLimit).
func readXML(reader io.Reader, maxDepth int) ([]string, []string, error) {
	var attrs []string
	var content []string
	depth := 0
	dec := xml.NewDecoder(reader)
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	for {
		token, err := dec.Token()
		if err != nil && err != io.EOF && !isUnexpectedEOFXMLSyntaxError(err) {
			return nil, nil, err
		}
		if token == nil {
			break
		}
		switch tok := token.(type) {
		case xml.StartElement:
			depth++
			if maxDepth > 0 && depth > maxDepth {
				return nil, nil, errXMLDepth
			}
			for _, attr := range tok.Attr {
				attrs = append(attrs, attr.Value)
			}
		case xml.EndElement:
			// The decoder pairs every EndElement with a StartElement it returned
			// (in non-strict mode it closes a mismatched element itself).
			depth--
		case xml.CharData:
			if c := strings.TrimSpace(string(tok)); c != "" {
				content = append(content, c)
			}
		}
	}
	return attrs, content, nil
}

func isUnexpectedEOFXMLSyntaxError(err error) bool {
	var serr *xml.SyntaxError
	return errors.As(err, &serr) && serr.Msg == "unexpected EOF"
}

var (
	_ plugintypes.BodyProcessor = &xmlBodyProcessor{}
)

func init() {
	RegisterBodyProcessor("xml", func() plugintypes.BodyProcessor {
		return &xmlBodyProcessor{}
	})
}
