# report: the document's outline, evidence count and self-containment (no script, no URL but the SVG namespace)
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin report --db $d/t.db --topic fire --evidence 4 --title 'Fires <2021>' --out $d/r.html 2>/dev/null && grep -oE '<(title|h1|h2|h3)>[^<]*' $d/r.html && grep -c '<div class="ev">' $d/r.html && { grep -qiE '<script|https?://[^w]' $d/r.html && echo 'script or URL found' || echo self-contained; } ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
<title>Fires &lt;2021&gt;
<h1>Fires &lt;2021&gt;
<h2>Summary
<h3>Changes found
<h2>fire 
<title>fire: posts per day, all languages
<title>en: up from 2021-08-05 (change between 2021-08-05 and 2021-08-05): 10% to 39.5%, ratio 3.95 (1.78 to 9.92)
<h3>By language
<title>fire in en
<title>en: up from 2021-08-05 (change between 2021-08-05 and 2021-08-05): 10% to 39.5%, ratio 3.95 (1.78 to 9.92)
<title>fire in fr
<h3>Evidence
<h2>Coverage
<title>Channels: when each posted
<title>news: 161 posts, 0 gaps
<title>infos: 80 posts, 0 gaps
<h2>Methods
<h3>Sources
<h3>Watchlist
4
self-contained
