package corpus

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
)

// formPost is a form submitted by a browser: a navigation POST with Origin and
// Content-Type.
func formPost(r *rng, v visitor, s site, target string, body []byte, ctype string) Request {
	f := fetch{host: s.host, dest: "document", mode: "navigate", site: "same-origin", user: true, referer: refererFor(r, s, v), origin: s.origin(), ctype: ctype, length: len(body), cookie: cookies(r, s, v)}
	req := Request{Method: "POST", Target: target, Header: v.browserHeaders(f)}
	req.setBody(body)
	return req
}

// genForm makes urlencoded form posts as browsers submit them: sign-in and sign-up,
// contact and support forms, reviews and comments in the visitor's language, checkout
// addresses, newsletter sign-ups, WordPress comments and searches.
func genForm(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	first, last := r.name()
	email := r.email(first, last)
	token := r.b64(32)
	var target, note string
	var kv []string
	switch r.IntN(8) {
	case 0:
		target, note = pick(r, "/account/login", "/login", "/wp-login.php", "/session"), "sign-in"
		kv = []string{"authenticity_token", token, "email", email, "password", pick(r, "correct horse battery staple", "Passw0rd!2026", "Tr0ub4dor&3", "l'été-2026!", "p@ss w0rd \"quoted\"", "Sommer2026#"), "remember_me", "1"}
	case 1:
		target, note = pick(r, "/account/register", "/signup", "/users"), "sign-up"
		kv = []string{"form_type", "create_customer", "utf8", "✓", "customer[first_name]", first, "customer[last_name]", last, "customer[email]", email, "customer[password]", r.alnum(14), "customer[accepts_marketing]", pick(r, "true", "false")}
	case 2:
		target, note = pick(r, "/contact", "/pages/contact", "/support/tickets"), "contact form"
		kv = []string{"form_type", "contact", "contact[name]", first + " " + last, "contact[email]", email, "contact[phone]", "+" + r.digits(2) + " " + r.digits(3) + " " + r.digits(6),
			"contact[subject]", pick(r, "Order question", "Where is my order?", "Return / exchange", "Select the right size", "Update my address", "Rechnung", "Question sur ma commande"), "contact[body]", r.text(v.lang, 5)}
	case 3:
		target, note = "/products/"+slug(pick(r, products...))+"/reviews", "product review"
		kv = []string{"review[rating]", itoa(r.between(1, 5)), "review[title]", r.text(v.lang, 1), "review[body]", r.text(v.lang, 6), "review[author]", first + " " + strings.ToUpper(last[:1]) + ".", "review[email]", email}
	case 4:
		target, note = "/wp-comments-post.php", "WordPress comment"
		kv = []string{"comment", r.text(v.lang, 6), "author", first + " " + last, "email", email, "url", pick(r, "", "https://"+strings.ToLower(first)+".example.net/blog"), "wp-comment-cookies-consent", "yes", "submit", "Post Comment", "comment_post_ID", r.digits(5), "comment_parent", pick(r, "0", r.digits(5))}
	case 5:
		target, note = "/checkout", "checkout address"
		kv = []string{"_method", "patch", "authenticity_token", token, "checkout[email]", email, "checkout[shipping_address][first_name]", first, "checkout[shipping_address][last_name]", last,
			"checkout[shipping_address][address1]", pick(r, streets...), "checkout[shipping_address][address2]", pick(r, "", "Apt 4", "2nd floor, door B", "c/o "+last), "checkout[shipping_address][city]", pick(r, cities...),
			"checkout[shipping_address][zip]", r.digits(5), "checkout[shipping_address][country]", v.region, "checkout[note]", pick(r, "", "Leave it at the back door, please.", "Bitte beim Nachbarn abgeben.", r.text(v.lang, 1)), "step", "shipping_method"}
	case 6:
		target, note = pick(r, "/newsletter", "/contact", "/subscribe"), "newsletter sign-up"
		kv = []string{"form_type", "customer", "utf8", "✓", "contact[email]", email, "contact[tags]", "newsletter,prospect", "contact[first_name]", first}
	default:
		target, note = pick(r, "/search", "/advanced-search"), "search form (POST)"
		kv = []string{"q", r.search(v.lang), "category", pick(r, "all", "apparel", "home"), "sort", pick(r, "relevance", "price_asc", "newest"), "in_stock", "on"}
	}
	body := []byte(query(kv...))
	req := formPost(r, v, s, target, body, "application/x-www-form-urlencoded")
	req.Note = v.b.name + ", " + note + " (" + v.lang + ")"
	return req
}

// genFormCode makes the posts of a developer community: questions, answers and comments
// with Markdown and code (JavaScript, SQL, shell, HTML, CSS, Python, Go, YAML...), as a
// form and as the JSON of a Discourse-like composer.
func genFormCode(r *rng, i int) Request {
	v := newVisitor(r)
	v.lang = "en"
	s := community
	text := pick(r, codeComments...)
	if r.chance(0.4) {
		text = r.text("en", 2) + "\n\n" + text
	}
	if r.chance(0.5) {
		body := mustJSON(map[string]any{"raw": text, "topic_id": r.IntN(90000), "reply_to_post_number": pick(r, 1, 2, 5), "category": r.between(3, 40), "archetype": "regular", "typing_duration_msecs": r.IntN(90000), "composer_open_duration_msecs": r.IntN(300000), "nested_post": true})
		req := apiCall(r, v, s, "POST", "/posts.json", "application/json", body, "application/json, text/javascript, */*; q=0.01")
		req.Note = v.b.name + ", forum post with code (JSON)"
		return req
	}
	body := []byte(query("utf8", "✓", "authenticity_token", r.b64(32), "answer[body]", text, "answer[question_id]", r.digits(6), "commit", "Post Your Answer"))
	req := formPost(r, v, s, "/questions/"+r.digits(6)+"/answers", body, "application/x-www-form-urlencoded")
	req.Note = v.b.name + ", answer with code (form)"
	return req
}

// smallImage returns a small real image (PNG, JPEG or GIF, from Go's encoders) and its
// MIME type.
func smallImage(r *rng) ([]byte, string) {
	w, h := r.between(16, 48), r.between(16, 48)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c0 := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{c0.R + uint8(x*3), c0.G + uint8(y*5), c0.B ^ uint8(r.IntN(16)), 255})
		}
	}
	var b bytes.Buffer
	switch r.IntN(3) {
	case 0:
		jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
		return b.Bytes(), "image/jpeg"
	case 1:
		gif.Encode(&b, img, &gif.Options{NumColors: 16})
		return b.Bytes(), "image/gif"
	}
	png.Encode(&b, img)
	return b.Bytes(), "image/png"
}

// pdfFile is a small valid PDF with one page of text.
func pdfFile(r *rng) []byte {
	text := fmt.Sprintf("Invoice %s - %s", r.digits(6), pick(r, products...))
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// docxFile is a minimal Office Open XML document: a ZIP with the parts Word needs.
func docxFile(r *rng) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + r.text("en", 3) + `</w:t></w:r></w:p></w:body></w:document>`},
	}
	for _, p := range parts {
		w, _ := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate})
		w.Write([]byte(p.body))
	}
	z.Close()
	return b.Bytes()
}

// multipartBody builds a multipart/form-data body with the boundary a browser of the
// given family makes.
type part struct {
	name, filename, ctype string
	data                  []byte
}

func multipartBody(r *rng, family string, parts []part) (body []byte, ctype string) {
	var boundary string
	switch family {
	case "firefox":
		boundary = "---------------------------" + r.digits(29)
	case "safari":
		boundary = "----WebKitFormBoundary" + r.alnum(16)
	default:
		boundary = "----WebKitFormBoundary" + r.alnum(16)
	}
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		if p.filename != "" || p.ctype != "" {
			fmt.Fprintf(&b, "Content-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", p.name, p.filename, p.ctype)
		} else {
			fmt.Fprintf(&b, "Content-Disposition: form-data; name=\"%s\"\r\n\r\n", p.name)
		}
		b.Write(p.data)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

// genUpload makes multipart/form-data uploads with real files: avatars and product photos
// (PNG, JPEG, GIF), PDF invoices, Word documents, CSV exports, plain text, and a
// support form's attachment beside text fields.
func genUpload(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	first, last := r.name()
	var file part
	switch r.IntN(6) {
	case 0, 1:
		img, mime := smallImage(r)
		ext := map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}[mime]
		file = part{"file", pick(r, "IMG_"+r.digits(4), "photo", "Screenshot 2026-11-26 at 10.15.31", "avatar", "Foto vom Strand", "写真") + ext, mime, img}
	case 2:
		file = part{"attachment", "invoice-" + r.digits(6) + ".pdf", "application/pdf", pdfFile(r)}
	case 3:
		file = part{"attachment", pick(r, "CV "+first+" "+last+".docx", "report.docx", "Lettre de motivation.docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docxFile(r)}
	case 4:
		var csv strings.Builder
		csv.WriteString("sku,name,quantity,price,note\n")
		for k := 0; k < r.between(3, 12); k++ {
			fmt.Fprintf(&csv, "%s,\"%s\",%d,%.2f,\"%s\"\n", r.alnum(8), pick(r, products...), r.between(1, 50), float64(r.IntN(20000))/100, pick(r, "", "back-order", "select colour later", "don't ship before Monday"))
		}
		file = part{"import", "inventory-export.csv", "text/csv", []byte(csv.String())}
	default:
		file = part{"attachment", pick(r, "notes.txt", "error-log.txt", "README.md"), pick(r, "text/plain", "text/markdown"), []byte(r.text(v.lang, 6) + "\n")}
	}
	parts := []part{{name: "authenticity_token", data: []byte(r.b64(32))}}
	target := "/uploads"
	switch s.name {
	case "shop":
		target = "/apps/returns/upload"
		parts = append(parts, part{name: "order_id", data: []byte(r.digits(5))}, part{name: "reason", data: []byte(r.text(v.lang, 2))})
	case "news":
		target = "/wp-admin/async-upload.php"
		parts = []part{{name: "name", data: []byte(file.filename)}, {name: "action", data: []byte("upload-attachment")}, {name: "_wpnonce", data: []byte(r.hex(10))}}
	case "app":
		target = "/api/v1/projects/" + r.digits(4) + "/attachments"
		parts = append(parts, part{name: "description", data: []byte(r.text(v.lang, 1))})
	default:
		target = "/uploads.json?client_id=" + r.hex(32)
		parts = append(parts, part{name: "type", data: []byte("composer")}, part{name: "synchronous", data: []byte("true")})
	}
	parts = append(parts, file)
	body, ctype := multipartBody(r, v.b.family, parts)
	var req Request
	if s.name == "app" || s.name == "community" {
		req = apiCall(r, v, s, "POST", target, ctype, body, "application/json")
	} else {
		req = formPost(r, v, s, target, body, ctype)
	}
	req.Note = v.b.name + ", upload of " + file.ctype
	return req
}
