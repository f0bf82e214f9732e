# an unknown --tz zone is a usage error (exit 3) at open time
cmd: tocsin read --tz Mars/Olympus tests/data/read/mixed.jsonl
status: 3
--- stdout
--- stderr
tocsin: field 'tz': unknown time zone "Mars/Olympus" (no zone file /usr/share/zoneinfo/Mars/Olympus)
tocsin: read: 0 files, 0 records, 0 posts, 0 skipped
