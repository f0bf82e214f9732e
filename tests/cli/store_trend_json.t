# overlapping files and a flood: posts, unique (flood = 1), authors, denominators and share per topic x language x day
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --watchlist tests/data/store/watchlist.yaml --lang-source input tests/data/store/day1.jsonl tests/data/store/day2.jsonl 2>/dev/null && tocsin trend --db $d/t.db --output json; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
{"topic":"fire","lang":"en","bucket":"2021-08-01","posts":4,"unique":2,"authors":4,"total_posts":5,"total_unique":3,"total_authors":5,"share":0.8,"channels":1,"channels_joined":0,"channels_left":0,"coverage_changed":false}
{"topic":"fire","lang":"en","bucket":"2021-08-02","posts":1,"unique":1,"authors":1,"total_posts":2,"total_unique":2,"total_authors":2,"share":0.5,"channels":1,"channels_joined":0,"channels_left":0,"coverage_changed":false}
{"topic":"fire","lang":"fr","bucket":"2021-08-01","posts":1,"unique":1,"authors":1,"total_posts":1,"total_unique":1,"total_authors":1,"share":1,"channels":1,"channels_joined":0,"channels_left":0,"coverage_changed":false}
{"topic":"flood","lang":"en","bucket":"2021-08-02","posts":1,"unique":1,"authors":1,"total_posts":2,"total_unique":2,"total_authors":2,"share":0.5,"channels":1,"channels_joined":0,"channels_left":0,"coverage_changed":false}
--- stderr
