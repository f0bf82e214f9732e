# surges: unknown topic, and --by week is refused
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin surges --db $d/t.db --topic quake; tocsin surges --db $d/t.db --by week; s=$?; rm -rf $d; exit $s
status: 3
--- stdout
--- stderr
tocsin: field 'topic': unknown topic 'quake' (the store has: fire, flood)
tocsin: surges: --by: 'week' is not day or hour
