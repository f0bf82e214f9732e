# stdin (-), gzip-compressed, detected from magic bytes
cmd: gzip -c tests/data/read/local_times.tsv | tocsin read --output table -
status: 0
--- stdout
ts                    kind     id                    author            channel           text
2021-07-01T12:00:00Z  post                           u1                c1                hello there                                                 
2021-01-01T12:00:00Z  post                           u2                c2                winter                                                      
--- stderr
tocsin: read: 1 file, 2 records, 2 posts, 0 skipped
