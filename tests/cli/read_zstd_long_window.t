# zstd with a 2 GiB window (--long=31, as Pushshift dumps), read as generic JSON Lines
cmd: tocsin read --format jsonl --output table tests/data/read/RC_2018-10.first2lines.ndjson.zst
status: 0
--- stdout
ts                    kind     id                    author            channel           text
2018-10-01T00:00:00Z  post     e6xucdd               TistedLogic       Unexpected        Is it still r/BoneAppleTea worthy if it's the opposite?     
2018-10-01T00:00:00Z  post     e6xucde               misssaladfingers  insomnia          I've tried and it's hit and miss. When it's good I feel more
--- stderr
tocsin: read: 1 file, 2 records, 2 posts, 0 skipped
