# tocsin lang: a 600 KB line is identified from its beginning (no memory blow-up), and the line
# after it is read normally
cmd: { yes 'Das ist ein schönes Haus mit einem großen Garten' | head -n 12000 | tr '\n' ' '; printf '\nEveryone has the right to life, liberty and security of person\n'; } | tocsin lang
status: 0
--- stdout
de	1.000
en	1.000
