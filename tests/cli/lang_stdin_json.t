# tocsin lang: one text per stdin line, JSON output with the runner-up; noise (mention, URL,
# emoji, hashtag) does not change the verdict; an empty line abstains
cmd: printf 'Jeder hat das Recht auf Leben, Freiheit und Sicherheit der Person.\n@news_24 🔥 Jeder hat das #Recht auf Leben, Freiheit und Sicherheit https://t.me/c/1 2024\n\nکسی بھی شخص کو غیر قانونی طور پر گرفتار نہیں کیا جائے گا\r\n' | tocsin lang --output json
status: 0
--- stdout
{"lang":"de","confidence":1.000,"runner_up":"lb","runner_up_confidence":0.000,"script":"Latn","method":"model","letters":54}
{"lang":"de","confidence":1.000,"runner_up":"lb","runner_up_confidence":0.000,"script":"Latn","method":"model","letters":45}
{"lang":"und","confidence":0.000,"runner_up":null,"runner_up_confidence":0.000,"candidate":null,"script":"Zyyy","method":"none","letters":0}
{"lang":"ur","confidence":1.000,"runner_up":"pnb","runner_up_confidence":0.000,"script":"Arab","method":"model","letters":44}
