package waf

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3/collection"
)

// gqlSuffix names the arguments that hold a GraphQL document's string literals, and
// qsSuffix those of a query string's parameters (name:qs.param).
const (
	gqlSuffix = ":gql"
	qsSuffix  = ":qs."
)

// readShapes replaces values of args whose shape sidewall knows with what the rules
// should read of them (see the package's derived arguments): a raster image's data: URL
// with a note of its media type and size, a GraphQL document with nothing, its string
// literals going to name:gql, a query string ("?idsite=1&url=https%3A...", as Matomo
// batches its hits) with nothing, its parameters, decoded, going to name:qs.param, and a
// value labelled "base64-" with the base64 after the label (stripEncodingLabels).
func readShapes(args collection.Map) {
	mayHaveShape := func(v string) bool {
		return strings.HasPrefix(v, "data:") || looksLikeGraphQL(v) || strings.HasPrefix(v, "?") || isLabelled(v)
	}
	for _, key := range namesHolding(args, mayHaveShape) {
		for i, v := range args.Get(key) {
			if rest, ok := labelledBase64(v); ok {
				args.SetIndex(key, i, rest)
				continue
			}
			if short, ok := imageDataURL(v); ok {
				args.SetIndex(key, i, short)
				continue
			}
			if pairs, ok := queryString(v); ok {
				args.SetIndex(key, i, "")
				for _, p := range pairs {
					args.Add(key+qsSuffix+p[0], p[1])
				}
				continue
			}
			if !looksLikeGraphQL(v) {
				continue
			}
			lits, err := graphqlStrings(v)
			if err != nil {
				continue
			}
			args.SetIndex(key, i, "")
			for _, lit := range lits {
				args.Add(key+gqlSuffix, lit)
			}
		}
	}
}

// rasterMagic are the first bytes of the image formats whose data: URLs are read as
// images: browsers paint them, no interpreter runs them. SVG is not among them: it is
// XML that can hold script, and stays text to the rules.
var rasterMagic = map[string][]string{
	"image/png":  {"\x89PNG\r\n\x1a\n"},
	"image/jpeg": {"\xff\xd8\xff"},
	"image/jpg":  {"\xff\xd8\xff"},
	"image/gif":  {"GIF87a", "GIF89a"},
	"image/webp": {"RIFF"},
	"image/avif": {"\x00\x00\x00"},
	"image/bmp":  {"BM"},
}

// imageDataURL reports whether v is, whole, a data: URL of a raster image in base64
// (data:image/png;base64,iVBOR...): the media type names a raster format, every byte
// after the comma is base64, and the decoded bytes begin as that format does. It
// returns what the rules read instead: "[data URL, image/png, 34219 bytes]".
func imageDataURL(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, "data:")
	if !ok {
		return "", false
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok || len(data) < 8 {
		return "", false
	}
	mediaType, params, _ := strings.Cut(meta, ";")
	mediaType = strings.ToLower(mediaType)
	magic, ok := rasterMagic[mediaType]
	if !ok || !strings.HasSuffix(strings.ToLower(params), "base64") {
		return "", false
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' && i >= len(data)-2) {
			return "", false
		}
	}
	head, err := base64.StdEncoding.DecodeString(data[:len(data)&^3][:min(len(data)&^3, 24)])
	if err != nil {
		return "", false
	}
	matched := false
	for _, m := range magic {
		matched = matched || bytes.HasPrefix(head, []byte(m))
	}
	if !matched {
		return "", false
	}
	// Not "data:...;base64": that prefix is what the CRS's patterns look for.
	return "[data URL, " + mediaType + ", " + strconv.Itoa(len(data)/4*3) + " bytes]", true
}

// queryString reports whether v is, whole, a URL's query string with its '?': two or
// more name=value pairs joined by '&', everything percent-encoded that JavaScript's
// encodeURIComponent encodes (so that no double quote, space, '<', ';', '$' or '`' of
// another language sits in it undecoded; its pairs are inspected decoded, one by one). It returns the pairs, decoded. Read as text, such a value drew
// Windows-command rules on "&url" (932370); decoded, each parameter is an argument of
// its own, and an attack inside one is found there.
func queryString(v string) ([][2]string, bool) {
	rest, ok := strings.CutPrefix(v, "?")
	if !ok {
		return nil, false
	}
	return formPairs(rest)
}

// formPairs is queryString without the '?': a urlencoded form of two or more pairs, as a
// consent cookie (OneTrust's OptanonConsent) or a form inside a JSON string holds.
func formPairs(rest string) ([][2]string, bool) {
	if strings.Count(rest, "=") < 2 {
		return nil, false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		// encodeURIComponent leaves - _ . ! ~ * ' ( ) as they are; forms encode '+'
		// and ',' and '/' and ':' often enough not to.
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!*'()%+=&/:,", c) >= 0) {
			return nil, false
		}
	}
	var pairs [][2]string
	for pair := range strings.SplitSeq(rest, "&") {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || !isParamName(name) {
			return nil, false
		}
		n, err1 := url.QueryUnescape(name)
		val, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		pairs = append(pairs, [2]string{n, val})
	}
	return pairs, len(pairs) >= 2
}

// isParamName reports whether s looks like a form parameter's name as clients write them:
// letters, digits and "_-.[]%" (an LDAP filter "(cn=x)(&(objectClass=user)...)" has
// '=' and '&' too, and is no form).
func isParamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("_-.[]%", c) >= 0) {
			return false
		}
	}
	return true
}

// base64Label is the prefix of a value that says, in the value, that the rest is base64:
// @supabase/ssr writes its session cookie (sb-<project>-auth-token) as "base64-" and the
// base64url of the session's JSON, on every request of a signed-in user.
const base64Label = "base64-"

// stripEncodingLabels removes base64Label from each value of m that is the label and
// nothing but base64 (or base64url) after it, leaving the encoded text, which the
// decoder reads as any other base64. The label says how the rest is encoded and holds
// nothing else; left on, 932260 read "base64-eyJ..." as the base64 command at the start
// of a value (a shell would look for a command named "base64-eyJ..."), so every request
// of a Supabase app's signed-in user was denied.
//
// readShapes does the same for arguments; the deriver calls this for cookies.
func stripEncodingLabels(m collection.Map) {
	for _, key := range namesHolding(m, isLabelled) {
		for i, v := range m.Get(key) {
			if rest, ok := labelledBase64(v); ok {
				m.SetIndex(key, i, rest)
			}
		}
	}
}

// namesHolding returns the names of m that hold a value for which pred is true, each
// once (names compare without case in Coraza's maps: one name's values, every spelling
// together, in order, are what Get returns and SetIndex counts in).
func namesHolding(m collection.Map, pred func(string) bool) []string {
	var names []string
	var seen map[string]bool
	for _, md := range m.FindAll() {
		if !pred(md.Value()) {
			continue
		}
		k := strings.ToLower(md.Key())
		if seen[k] {
			continue
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		seen[k] = true
		names = append(names, md.Key())
	}
	return names
}

// isLabelled reports whether labelledBase64 accepts v.
func isLabelled(v string) bool {
	_, ok := labelledBase64(v)
	return ok
}

// labelledBase64 returns what follows base64Label in v when that is, whole, at least 8
// characters of the base64 or base64url alphabet (padding at most "==" at the end).
func labelledBase64(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, base64Label)
	if !ok || len(rest) < 8 {
		return "", false
	}
	if _, _, _, ok := base64Body(rest); !ok {
		return "", false
	}
	return rest, true
}
