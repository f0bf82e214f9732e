# compare: the topic has no post in either window (flood only on 2021-08-08)
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin compare --db $d/t.db --topic flood --before 2021-08-01..2021-08-02 --after 2021-08-03..2021-08-04 ; s=$?; rm -rf $d; exit $s
status: 12
--- stdout
--- stderr
tocsin: field 'topic': topic 'flood' has no posts in either window (2021-08-01..2021-08-02, 2021-08-03..2021-08-04): nothing to compare
