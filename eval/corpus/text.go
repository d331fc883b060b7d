package corpus

import "strings"

// Natural text, written for the corpus: what visitors type into search boxes, reviews,
// comments and contact forms, in the languages of langs. It keeps what real text has and
// naive filters trip over: apostrophes and quotes of every kind, dashes, parentheses,
// numbers, and English that sounds like SQL.

var sentences = map[string][]string{
	"en": {
		"I don't think it's worth the price, but the quality is great.",
		"Please select the best option from the list, or update your order before we ship it.",
		"Can I change the delivery address? I'll be away from Friday to Sunday.",
		"The \"large\" size runs small -- order one size up.",
		"We'd like to update the shipping address from 'Main St' to 'Oak Ave'.",
		"Drop me a line when it's back in stock, thanks!",
		"Where can I insert my coupon code? The field isn't showing on mobile.",
		"I want to delete my old account and create a new one with my work email.",
		"Union Station pickup would be ideal if that's possible.",
		"It's 5' 11\" tall and fits perfectly in the corner of our living room.",
		"Order by phone or online, whichever is easier for you.",
		"From the drop-down, select \"Other\" and describe the issue.",
		"Rock 'n' roll never dies; great shirt, my son loves it.",
		"Don't -- I repeat, don't -- put it in the dryer.",
		"1 or 2 pieces, it doesn't matter, as long as they arrive before the 24th.",
		"My wife's order (#48213) arrived damaged; the box was crushed on one side.",
		"Is there a table of sizes for kids' shoes?",
		"Great article! I'd add that the select committee voted 7-2 on Tuesday.",
		"Where were you when the lights went out? We waited for an hour.",
		"Having trouble with the 'select all' button on the orders page.",
		"Thanks for the quick reply; you've been very helpful.",
		"I've been a customer since 2014 and this is the first time I'm disappointed.",
		"Can you join both orders into one shipment and drop the express fee?",
		"The update from last week fixed it -- everything works now.",
		"Is it true that the sale ends at midnight (EST)?",
		"What's the difference between the 'Pro' and the 'Plus' plans?",
		"Five stars. Would buy again & recommend to friends.",
		"Honestly, it's 50/50: the fabric is nice, the stitching isn't.",
		"Order #A-1029 shows \"delivered\" but nothing's here.",
		"We're a group of 12 -- is there a discount for group bookings?",
	},
	"de": {
		"Könnten Sie mir bitte sagen, ob das Produkt „wasserdicht“ ist?",
		"Ich hab's gestern bestellt und es ist heute schon angekommen – super!",
		"Die Größe fällt etwas kleiner aus, also lieber eine Nummer größer nehmen.",
		"Leider ist die Lieferung beschädigt angekommen; der Karton war nass.",
		"Gibt's das auch in Grün? Meine Tochter möchte unbedingt „Waldgrün“.",
		"Sehr geehrte Damen und Herren, ich möchte meine Bestellung Nr. 58213 stornieren.",
		"Der Artikel entspricht genau der Beschreibung. Gerne wieder!",
		"Wann wird die Rückerstattung überwiesen? Es sind schon 14 Tage vergangen.",
		"Bitte liefern Sie an die Packstation 123 in der Müllerstraße.",
		"Toller Beitrag – aber die Zahlen aus 2023 sind nicht mehr aktuell.",
	},
	"fr": {
		"J'ai reçu la commande aujourd'hui, mais l'emballage était abîmé. C'est dommage !",
		"Est-ce que l'article est disponible en taille 42 ? Merci d'avance.",
		"Très bon produit, je le recommande à tous ceux qui cherchent « du solide ».",
		"L'adresse de livraison est : 12 rue de l'Église, 75004 Paris.",
		"Je n'ai toujours pas reçu le remboursement ; pouvez-vous vérifier ?",
		"Qu'est-ce qui est inclus dans l'offre « Premium » exactement ?",
		"Article intéressant, même si je ne suis pas d'accord avec la conclusion.",
		"Bonjour, j'aimerais savoir s'il est possible de modifier ma commande.",
		"Le colis est arrivé en avance – merci à l'équipe !",
		"C'est l'un des meilleurs achats que j'aie faits cette année.",
	},
	"es": {
		"¿Podrían enviarme la factura? No encuentro el correo «Confirmación de pedido».",
		"Me encantó el producto, aunque tardó un poco en llegar.",
		"La talla es perfecta y el color es igual que en la foto.",
		"¡Muy buen servicio! Volveré a comprar sin duda.",
		"¿Hacen envíos a Canarias? Vivo en Las Palmas de Gran Canaria.",
		"El pedido n.º 7741 llegó incompleto: falta el cargador.",
		"Gracias por la respuesta tan rápida; todo resuelto.",
		"No estoy de acuerdo con el artículo, pero está bien escrito.",
		"Quisiera cambiar la dirección de entrega a la calle O'Donnell, 15.",
		"¿Cuál es la diferencia entre el plan «Básico» y el «Pro»?",
	},
	"ja": {
		"商品が届きました。とても良いです！「また買いたい」と思います。",
		"サイズが少し小さかったので、交換をお願いできますか？",
		"配送先の住所を変更したいのですが、可能でしょうか。",
		"記事、とても参考になりました。ありがとうございます。",
		"注文番号 4821 の商品がまだ届いていません。",
		"色は写真通りで、生地もしっかりしています。",
		"返品の手続きについて教えてください。",
		"星5つです！友人にも勧めました。",
	},
	"ru": {
		"Здравствуйте! Подскажите, пожалуйста, когда будет доставка? Заказ №4821 — «срочный».",
		"Товар пришёл быстро, качество отличное, спасибо!",
		"Размер маломерит, берите на размер больше.",
		"Можно ли изменить адрес доставки? Я переехал на ул. Ленина, 5.",
		"Статья интересная, но с выводами я не согласен.",
		"Когда вернут деньги за отменённый заказ?",
		"Отличный сервис — буду заказывать ещё.",
		"Цвет немного отличается от фото, но в целом доволен.",
	},
	"ar": {
		"مرحبا، هل يمكنني تغيير عنوان الشحن؟ شكراً جزيلاً.",
		"المنتج رائع والتوصيل كان سريعاً جداً.",
		"متى سيتم استرداد المبلغ؟ مضى أسبوعان على الإرجاع.",
		"هل يتوفر هذا المنتج بمقاس أكبر؟",
		"مقال ممتاز، شكراً على المعلومات المفيدة.",
		"وصل الطلب رقم 3391 ناقصاً، أرجو المساعدة.",
		"الجودة ممتازة والسعر مناسب.",
	},
}

// text returns one to n sentences in lang.
func (r *rng) text(lang string, n int) string {
	pool := sentences[lang]
	k := r.between(1, n)
	parts := make([]string, k)
	for i := range parts {
		parts[i] = pool[r.IntN(len(pool))]
	}
	sep := " "
	if lang == "ja" {
		sep = ""
	}
	return strings.Join(parts, sep)
}

// searches are what visitors type into a search box, by language.
var searches = map[string][]string{
	"en": {"linen shirt", "women's running shoes size 8", "gift for dad", "red dress", "O'Neill wetsuit", "bluetooth headphones under $100",
		"how to select a mattress", "kids' rain jacket", "\"organic cotton\" t-shirt", "union jack mug", "drop earrings gold", "update firmware router",
		"election results 2026", "best pizza near me", "order status", "where is my order", "c++ vs rust performance", "table lamp", "return policy", "50% off"},
	"de": {"leinenhemd herren", "Regenjacke Kinder", "Geschenk für Papa", "Fußball Trikot", "Kühlschrank A+++", "„Bio“ Kaffee"},
	"fr": {"chemise en lin", "chaussures de course femme", "cadeau fête des pères", "robe d'été", "sac à dos l'aventurier"},
	"es": {"camisa de lino", "zapatillas niño", "regalo día del padre", "vestido rojo", "mochila de montaña"},
	"ja": {"リネンシャツ", "ランニングシューズ レディース", "父の日 プレゼント", "傘"},
	"ru": {"льняная рубашка", "кроссовки женские", "подарок папе", "зимняя куртка"},
	"ar": {"قميص كتان", "حذاء رياضي", "هدية لأبي", "فستان أحمر"},
}

func (r *rng) search(lang string) string { return pick(r, searches[lang]...) }

var firstNames = []string{"Emma", "Liam", "Olivia", "Noah", "Sophie", "Lukas", "Léa", "Hugo", "Lucía", "Mateo", "Yuki", "Haruto", "Anastasia", "Dmitri", "Fatima", "Omar",
	"Seán", "Zoë", "Chloé", "Björn", "Jean-Luc", "María José", "Łukasz", "Nguyễn", "Aoife", "Anne-Marie"}
var lastNames = []string{"Smith", "O'Brien", "O'Connor", "D'Angelo", "N'Diaye", "Müller", "Schröder", "Dupont", "García", "Fernández", "Tanaka", "Suzuki", "Ivanova",
	"Petrov", "Al-Sayed", "van der Berg", "de la Cruz", "MacDonald", "Nowak", "Rossi", "Johnson-Smith", "D'Souza"}

func (r *rng) name() (first, last string) { return pick(r, firstNames...), pick(r, lastNames...) }

func (r *rng) email(first, last string) string {
	clean := func(s string) string {
		s = strings.ToLower(s)
		var b strings.Builder
		for _, c := range s {
			if c >= 'a' && c <= 'z' {
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	user := clean(first) + pick(r, ".", "_", "") + clean(last)
	if user == "" || user == "." || user == "_" {
		user = "user"
	}
	if r.chance(0.3) {
		user += r.digits(2)
	}
	if r.chance(0.1) {
		user += "+shop"
	}
	return user + "@" + pick(r, "gmail.com", "outlook.com", "yahoo.co.jp", "web.de", "orange.fr", "icloud.com", "example.net", "mail.ru", "hotmail.es")
}

var streets = []string{"12 Rue de l'Église", "Müllerstraße 7", "221B Baker Street", "Calle de O'Donnell, 15", "1600 Amphitheatre Pkwy, Apt #4",
	"Piazza dell'Unità 3", "ul. Lenina, d. 5, kv. 12", "3-1-1 Marunouchi", "45 St. John's Road", "Av. de la Constitución 1", "10 Downing St."}
var cities = []string{"Paris", "Berlin", "London", "Madrid", "Tokyo", "Moscow", "Cairo", "New York", "L'Aquila", "Saint-Étienne", "Köln", "'s-Hertogenbosch"}

var products = []string{"Linen Shirt", "Merino Crew Sweater", "Trail Running Shoe", "Canvas Tote Bag", "Ceramic Pour-Over Set", "Wool Beanie", "Denim Jacket",
	"Rain Shell", "Leather Belt", "Cotton Chinos", "Silk Scarf", "Desk Lamp", "Cast-Iron Skillet", "Kids' Rain Boots", "Yoga Mat"}
var colors = []string{"Navy", "Olive", "Sand", "Black", "Off-White", "Burgundy", "Sky Blue"}

var headlines = []string{"City council approves new bike lanes after heated debate", "What the election results mean for your taxes",
	"Review: the best budget phones of the year", "How to select a password manager (and why you should)", "Markets drop as rates stay high",
	"The union of two rivals: inside the merger", "Where to eat in Lisbon this winter", "Scientists update estimate of ocean warming",
	"Q&A: 'We don't negotiate with deadlines'", "10 things you didn't know about sleep", "From the archive: the night the lights went out"}

// codeComments are comments with code and Markdown, as posted on a developer community:
// fenced code in several languages, inline code, links and lists. They are what a
// forum for programmers receives every day.
var codeComments = []string{
	"Try this instead:\n\n```js\nconst items = document.querySelectorAll('.item');\nitems.forEach(el => el.addEventListener('click', () => console.log(el.dataset.id)));\n```\n\nWorks for me in Chrome and Firefox.",
	"You need `useEffect` with an empty dependency array, otherwise it runs on every render:\n\n```jsx\nuseEffect(() => {\n  fetch('/api/items').then(r => r.json()).then(setItems);\n}, []);\n```",
	"My query `SELECT id, name FROM users WHERE status = 'active' ORDER BY created_at DESC LIMIT 10` returns nothing after the migration. Any idea?",
	"In Postgres you can do:\n\n```sql\nUPDATE orders SET status = 'shipped'\nWHERE id IN (SELECT order_id FROM shipments WHERE sent_at > now() - interval '1 day');\n```",
	"The fix was in the nginx config:\n\n```nginx\nlocation /api/ {\n    proxy_pass http://backend;\n    proxy_set_header Host $host;\n}\n```",
	"Use a list comprehension:\n\n```python\nevens = [x for x in range(10) if x % 2 == 0]\nprint(', '.join(map(str, evens)))\n```",
	"On Linux: `find . -name '*.log' -mtime +7 -delete` -- careful, there's no undo.",
	"Here's the Dockerfile I use:\n\n```dockerfile\nFROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/server\n```",
	"**Steps to reproduce**\n\n1. Open the settings page\n2. Click *Save* twice\n3. See the error `TypeError: Cannot read properties of undefined (reading 'map')`\n\n> Expected: the form saves once.",
	"I'd wrap it in a `<details>` element:\n\n```html\n<details>\n  <summary>Show more</summary>\n  <p>Hidden content here.</p>\n</details>\n```",
	"For the CSS grid:\n\n```css\n.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 1rem; }\n```",
	"See the [docs](https://docs.example.com/guide#install) -- the `--force` flag is deprecated since v2.",
	"Go version:\n\n```go\nfor i, v := range items {\n\tif v == nil {\n\t\tcontinue\n\t}\n\tfmt.Printf(\"%d: %v\\n\", i, v)\n}\n```",
	"`git rebase -i HEAD~3` then mark the commits as `squash`.",
	"The YAML should be:\n\n```yaml\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n```",
	"You can check it in the console with `window.location.href` or `document.title`; both work.",
	"Rust borrow checker complains about `&mut self` here:\n\n```rust\nfn push(&mut self, v: i32) { self.items.push(v); }\n```",
	"Run `SELECT count(*) FROM pg_stat_activity;` to see how many connections are open.",
	"In bash: `for f in *.csv; do wc -l \"$f\"; done`",
	"PHP 8 has `match`:\n\n```php\n$label = match($code) { 200 => 'ok', 404 => 'not found', default => 'error' };\n```",
}
