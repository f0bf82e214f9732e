# tocsin lang: a bad option value is a usage error (exit 3) with a clear message
cmd: tocsin lang --output xml hello
status: 3
--- stdout
--- stderr
tocsin: lang: --output must be tsv or json, not 'xml'
