# TSV with local times read in America/New_York: EDT in July, EST in January
cmd: tocsin read --tz America/New_York --output table tests/data/read/local_times.tsv
status: 0
--- stdout
ts                    kind     id                    author            channel           text
2021-07-01T16:00:00Z  post                           u1                c1                hello there                                                 
2021-01-01T17:00:00Z  post                           u2                c2                winter                                                      
--- stderr
tocsin: read: 1 file, 2 records, 2 posts, 0 skipped
