# rescan: a topic added to the watchlist gets its counts from the recorded sources; totals unchanged
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --watchlist tests/data/store/fire-only.yaml --lang-source input tests/data/store/day1.jsonl tests/data/store/day2.jsonl 2>/dev/null && tocsin trend --db $d/t.db --by month --output csv && tocsin rescan --db $d/t.db --watchlist tests/data/store/watchlist.yaml --lang-source input && tocsin trend --db $d/t.db --by month --output csv; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
topic,lang,bucket,posts,unique,authors,total_posts,total_unique,total_authors,share,value,channels,channels_joined,channels_left
fire,en,2021-08-01,5,3,5,7,5,6,0.714286,5,1,0,0
fire,fr,2021-08-01,1,1,1,2,2,1,0.5,1,1,0,0
topic,lang,bucket,posts,unique,authors,total_posts,total_unique,total_authors,share,value,channels,channels_joined,channels_left
fire,en,2021-08-01,5,3,5,7,5,6,0.714286,5,1,0,0
fire,fr,2021-08-01,1,1,1,2,2,1,0.5,1,1,0,0
flood,en,2021-08-01,1,1,1,7,5,6,0.142857,1,1,0,0
--- stderr
tocsin: rescan: 2 files, 12 records, 12 posts, 0 skipped
tocsin: rescan: 12 posts read, 7 matching posts counted
