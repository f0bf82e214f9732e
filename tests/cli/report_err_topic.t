# report: an unknown topic names the store's topics
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin report --db $d/t.db --topic fire --topic quake --out $d/r.html ; s=$?; rm -rf $d; exit $s
status: 3
--- stdout
--- stderr
tocsin: field 'topic': unknown topic 'quake' (the store has: fire, flood)
