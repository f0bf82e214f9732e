# monthly unique posts as a share of all unique English posts, CSV
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --watchlist tests/data/store/watchlist.yaml --lang-source input tests/data/store/day1.jsonl tests/data/store/day2.jsonl 2>/dev/null && tocsin trend --db $d/t.db --by month --measure unique --normalize share --output csv --lang en; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
topic,lang,bucket,posts,unique,authors,total_posts,total_unique,total_authors,share,value,channels,channels_joined,channels_left
fire,en,2021-08-01,5,3,5,7,5,6,0.6,0.6,1,0,0
flood,en,2021-08-01,1,1,1,7,5,6,0.2,0.2,1,0,0
--- stderr
