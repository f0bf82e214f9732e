#!/usr/bin/env python3
"""make-demo-data.py: regenerates examples/chatter-2021.jsonl, the demo's sample chatter.

Synthetic and benign: short news-monitoring style posts in seven languages, written for this
project, from fixed templates with a fixed seed (the output is byte-for-byte reproducible).
Mentions of the watched topics (examples/afghanistan-2021.yaml) rise after 2021-08-15: about
nine-fold in Arabic and three-fold elsewhere, against a steady background of unrelated chatter,
so `tocsin scan` shows the surge. Only needed to regenerate the committed file.
"""
import json, random, datetime

random.seed(20210815)
START = datetime.datetime(2021, 7, 1, tzinfo=datetime.timezone.utc)
DAYS = 92
TAKEOVER = datetime.datetime(2021, 8, 15, tzinfo=datetime.timezone.utc)

# Topic mentions, with the spellings real posts use (diacritics, tatweel, proclitics,
# separators, hashtags, letter variants).
TOPIC = {
    "en": ["Analysts say ISKP activity is being discussed again", "New statement attributed to ISIS-K circulates",
           "#ISKP trending after the report", "Reports on the Islamic State Khorasan branch", "Taliban spokesman held a press conference",
           "Crowds gathered near Kabul airport today", "Another evacuation flight left this morning", "Queues at Abbey Gate again",
           "isis_k named in the security briefing", "The Taliban announced a new cabinet"],
    "ar": ["تقارير عن نشاط وِلايَة خُراسان", "بيان جديد منسوب لولاية خراسان", "وولاية خراسان في الأخبار مجددا",
           "داعش خراسان يعود إلى الواجهة", "حركة طالبان تعلن تشكيل حكومة", "ازدحام قرب مطار كابول", "الطالبان يسيطرون على المعابر",
           "ولايـــة خراسان تتبنى الهجوم", "بيان من الإمارة الإسلامية", "رحلات الإجلاء من مطار كابل مستمرة"],
    "fa": ["گزارش‌ها درباره داعش خراسان", "طالبان کنترل شهر را گرفتند", "صف‌های طولانی در فرودگاه کابل", "نگرانی از ولایت خراسان"],
    "ps": ["طالبانو د ښار کنټرول ترلاسه کړ", "د کابل هوايي ډګر ته خلک راغلل", "داعش خراسان بیا فعال شو"],
    "ur": ["طالبان نے نئی حکومت کا اعلان کیا", "کابل ایئرپورٹ پر ہجوم", "داعش خراسان کے بارے میں رپورٹ"],
    "ru": ["Талибан объявил о новом правительстве", "Аэропорт Кабула снова закрыт", "Taliban заявили о контроле над городом"],
    "fr": ["Les Talibans contrôlent la capitale", "Nouvel avion d'évacuation : evacuation flight vers Doha", "L'ISKP revendique l'attaque"],
}
# Unrelated chatter: the denominator. Includes decoys that must not match: basis-kit, ISKPRO,
# Khorasan Razavi (excluded), a word that merely contains a term (خراسانية).
BACKGROUND = {
    "en": ["Weather is nice today", "Match highlights from last night", "Fuel prices went up again", "New phone review is out",
           "The basis-kit arrived for the lab", "ISKPRO conference registration is open", "Traffic is heavy downtown"],
    "ar": ["الطقس جميل اليوم", "أهداف مباراة الأمس", "ارتفاع أسعار الوقود", "معرض الكتاب يفتح أبوابه", "السجادة الخراسانية جميلة"],
    "fa": ["هوا امروز خوب است", "قیمت نان بالا رفت", "سفر به Khorasan Razavi برای زیارت", "مسابقه فوتبال دیشب"],
    "ps": ["نن ورځ هوا ښه ده", "د فوټبال لوبه وشوه"],
    "ur": ["آج موسم اچھا ہے", "کرکٹ میچ کی جھلکیاں"],
    "ru": ["Сегодня хорошая погода", "Цены на бензин выросли"],
    "fr": ["Il fait beau aujourd'hui", "Les prix de l'essence augmentent"],
}
SHARE = {"en": 30, "ar": 25, "fa": 15, "ps": 8, "ur": 8, "ru": 7, "fr": 7}
CHANNELS = {lang: [f"{lang}_news_{i}" for i in range(1, 4)] for lang in SHARE}

posts = []
for day in range(DAYS):
    t0 = START + datetime.timedelta(days=day)
    after = t0 >= TAKEOVER
    for lang, share in SHARE.items():
        n = share + random.randint(-3, 3)
        rate = 0.04 * ((9 if lang == "ar" else 3) if after else 1)
        for _ in range(n):
            ts = t0 + datetime.timedelta(seconds=random.randrange(86400))
            text = random.choice(TOPIC[lang]) if random.random() < rate else random.choice(BACKGROUND[lang])
            posts.append({"ts": ts, "lang": lang, "text": text,
                          "channel": random.choice(CHANNELS[lang]),
                          "author": f"{lang}_user{random.randrange(120)}"})
posts.sort(key=lambda p: p["ts"])
with open("examples/chatter-2021.jsonl", "w", encoding="utf-8") as f:
    for i, p in enumerate(posts):
        f.write(json.dumps({"id": str(100000 + i), "date": p["ts"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "channel": p["channel"], "author": p["author"], "lang": p["lang"],
                            "text": p["text"]}, ensure_ascii=False) + "\n")
print(f"{len(posts)} posts")
