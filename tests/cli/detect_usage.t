# tocsin detect: no input
cmd: tocsin detect
status: 3
--- stdout
--- stderr
tocsin: detect: no input series (try 'tocsin detect --help')
