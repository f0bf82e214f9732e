# compare: a window in which the store holds no posts at all
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin compare --db $d/t.db --topic fire --before 2020-01-01..2020-01-05 --after 2021-08-05..2021-08-08 ; s=$?; rm -rf $d; exit $s
status: 3
--- stdout
--- stderr
tocsin: field 'before': the store holds no posts at all in the before window 2020-01-01..2020-01-05
