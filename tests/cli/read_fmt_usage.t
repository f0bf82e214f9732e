# tocsin read needs an input; an unknown --output is a usage error (exit 3).
cmd: tocsin read --output xml tests/data/formats/fourchan/4chan_api_docs_po_thread_570368.json
status: 3
--- stdout
--- stderr
tocsin: read: --output: 'xml' is not jsonl or table
