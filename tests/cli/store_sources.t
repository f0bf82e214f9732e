# sources: per file size, SHA-256, format, counts, status; per channel first/last post and gaps
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --watchlist tests/data/store/watchlist.yaml --lang-source input tests/data/store/day1.jsonl tests/data/store/day2.jsonl 2>/dev/null && tocsin sources --db $d/t.db --output json | sed -e "s|\"source\":\"[^\"]*/tests/|\"source\":\"tests/|" -e "s|\"ingested\":\"[^\"]*\"|\"ingested\":\"T\"|"; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
{"source":"tests/data/store/day1.jsonl","sha256":"babf25c5146573731d4bf2ad3612ae0ed5cab4bea8571a5c8f5af68e9845cdd7","format":"jsonl","skipped_by_reason":"","size":934,"records":6,"posts":6,"skipped":0,"new_posts":6,"duplicates":0,"status":"complete","ingested":"T","watchlist":"b62e4418c284b8f27b3e7495bc10b319e5163601886e446213fe273d918583c1"}
{"source":"tests/data/store/day2.jsonl","sha256":"9a9131ba36294c4dc0439997ffdc02858fe1c3444abc1def1b1d7e273aab0c7d","format":"jsonl","skipped_by_reason":"","size":896,"records":6,"posts":6,"skipped":0,"new_posts":3,"duplicates":3,"status":"complete","ingested":"T","watchlist":"b62e4418c284b8f27b3e7495bc10b319e5163601886e446213fe273d918583c1"}
{"channel":"news","platform":"","name":"news","posts":7,"first":"2021-08-01T08:00:00Z","last":"2021-08-02T08:00:00Z","joined_late":false,"vanished":false,"gaps":[]}
{"channel":"infos","platform":"","name":"infos","posts":2,"first":"2021-08-01T10:00:00Z","last":"2021-08-02T09:00:00Z","joined_late":false,"vanished":false,"gaps":[]}
--- stderr
