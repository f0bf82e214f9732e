# the ingest summary: duplicates across files, then a second run that skips the file
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --watchlist tests/data/store/watchlist.yaml --lang-source input tests/data/store/day1.jsonl tests/data/store/day2.jsonl && tocsin ingest --db $d/t.db --watchlist tests/data/store/watchlist.yaml --lang-source input tests/data/store/day1.jsonl; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
--- stderr
tocsin: ingest: 2 files, 12 records, 12 posts, 0 skipped
tocsin: ingest: 12 posts: 9 new, 3 already in the store; 7 unique (new near-duplicate clusters), 7 matching; 0 reposts skipped, 0 without a timestamp; 0 files skipped (already ingested)
tocsin: ingest: 0 files, 0 records, 0 posts, 0 skipped
tocsin: ingest: 0 posts: 0 new, 0 already in the store; 0 unique (new near-duplicate clusters), 0 matching; 0 reposts skipped, 0 without a timestamp; 1 file skipped (already ingested)
