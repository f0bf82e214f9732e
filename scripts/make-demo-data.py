#!/usr/bin/env python3
"""make-demo-data.py: regenerates examples/chatter-2021.jsonl, the demo's sample chatter.

Synthetic and benign: short news-monitoring style posts in seven languages, written for this
project and composed from fixed fragments (opener + topic or background phrase + detail) with a
fixed seed, so the output is byte-for-byte reproducible and posts really differ from one another
(near-duplicate clustering must not collapse them). A small copy-paste flood (one channel posting
the same message many times on one day) is included, as real chatter has them.

Mentions of the watched topics (examples/afghanistan-2021.yaml) rise after 2021-08-15: about
nine-fold in Arabic and three-fold elsewhere, against a steady background of unrelated chatter.
Only needed to regenerate the committed file.
"""
import json, random, datetime

random.seed(20210815)
START = datetime.datetime(2021, 7, 1, tzinfo=datetime.timezone.utc)
DAYS = 92
TAKEOVER = datetime.datetime(2021, 8, 15, tzinfo=datetime.timezone.utc)

L = {
 "en": dict(
   open=["Update:", "Breaking:", "Reports say", "Local sources:", "Officials confirm", "Just in:", "Unverified:", "Our correspondent says"],
   topic=["ISKP claimed responsibility", "a statement attributed to ISIS-K", "#ISKP is trending", "the Islamic State Khorasan branch was named",
          "the Taliban spokesman spoke", "crowds gathered near Kabul airport", "another evacuation flight left", "queues formed at Abbey Gate",
          "isis_k was mentioned in a briefing", "the Taliban announced new officials", "khorasan province fighters were blamed"],
   back=["the weather turned cold", "the match ended in a draw", "fuel prices went up", "a new phone was reviewed", "the basis-kit arrived",
         "ISKPRO registration opened", "traffic was heavy", "the library reopened", "the market was busy", "a concert was postponed"],
   tail=["in the north", "this morning", "near the river", "in the capital", "late last night", "according to witnesses", "in two districts", "after the meeting"]),
 "ar": dict(
   open=["عاجل:", "مصادر محلية:", "تقارير تفيد بأن", "أفادت وكالات بأن", "مراسلنا:", "غير مؤكد:", "مسؤولون يؤكدون أن"],
   topic=["وِلايَة خُراسان أصدرت بيانا", "بيانا جديدا نسب لولاية خراسان", "وولاية خراسان عادت إلى الأخبار", "داعش خراسان تبنى الهجوم",
          "حركة طالبان أعلنت تشكيل حكومة", "ازدحاما شديدا قرب مطار كابول", "الطالبان سيطروا على المعابر", "ولايـــة خراسان هددت مجددا",
          "الإمارة الإسلامية أصدرت بيانا", "رحلات الإجلاء من مطار كابول مستمرة"],
   back=["الطقس كان جميلا", "المباراة انتهت بالتعادل", "أسعار الوقود ارتفعت", "معرض الكتاب فتح أبوابه", "السجادة الخراسانية بيعت في المزاد",
         "السوق كان مزدحما", "الحفل تأجل", "المكتبة أعيد افتتاحها"],
   tail=["في الشمال", "صباح اليوم", "قرب النهر", "في العاصمة", "الليلة الماضية", "بحسب شهود عيان", "في منطقتين", "بعد الاجتماع"]),
 "fa": dict(
   open=["فوری:", "منابع محلی:", "گزارش‌ها حاکی است", "خبرنگار ما:", "تایید نشده:"],
   topic=["داعش خراسان مسئولیت را پذیرفت", "طالبان کنترل شهر را گرفتند", "صف‌های طولانی در فرودگاه کابل دیده شد", "نگرانی از ولایت خراسان بالا گرفت",
          "طالبان دولت جدید را اعلام کردند"],
   back=["هوا خوب بود", "قیمت نان بالا رفت", "سفر به Khorasan Razavi برای زیارت", "مسابقه فوتبال برگزار شد", "بازار شلوغ بود", "کتابخانه باز شد"],
   tail=["در شمال", "امروز صبح", "نزدیک رودخانه", "در پایتخت", "دیشب", "به گفته شاهدان"]),
 "ps": dict(
   open=["تازه خبر:", "سیمه ییزې سرچینې:", "راپورونه وايي"],
   topic=["طالبانو د ښار کنټرول ترلاسه کړ", "د کابل هوايي ډګر ته ډېر خلک راغلل", "داعش خراسان بیا فعال شو"],
   back=["نن ورځ هوا ښه ده", "د فوټبال لوبه وشوه", "بازار ګڼ و", "ښوونځی پرانیستل شو"],
   tail=["په شمال کې", "نن سهار", "په پلازمینه کې", "تېره شپه"]),
 "ur": dict(
   open=["تازہ ترین:", "مقامی ذرائع:", "رپورٹس کے مطابق"],
   topic=["طالبان نے نئی حکومت کا اعلان کیا", "کابل ایئرپورٹ پر ہجوم دیکھا گیا", "داعش خراسان کے بارے میں رپورٹ آئی"],
   back=["آج موسم اچھا ہے", "کرکٹ میچ کی جھلکیاں", "بازار میں رش تھا", "کتاب میلہ شروع ہوا"],
   tail=["شمال میں", "آج صبح", "دارالحکومت میں", "کل رات"]),
 "ru": dict(
   open=["Срочно:", "Местные источники:", "Сообщается, что"],
   topic=["Талибан объявил о новом правительстве", "аэропорт Кабула снова закрыт для рейсов", "ISKP взяла ответственность"],
   back=["сегодня хорошая погода", "цены на бензин выросли", "на рынке много людей", "библиотека снова открыта"],
   tail=["на севере", "сегодня утром", "в столице", "вчера вечером"]),
 "fr": dict(
   open=["Dernière minute :", "Selon des sources locales,", "On apprend que"],
   topic=["les Talibans contrôlent la capitale", "un nouvel evacuation flight part vers Doha", "l'ISKP revendique l'attaque"],
   back=["il fait beau aujourd'hui", "le prix de l'essence augmente", "le marché est animé", "la bibliothèque rouvre"],
   tail=["dans le nord", "ce matin", "dans la capitale", "hier soir"]),
}
SHARE = {"en": 30, "ar": 25, "fa": 15, "ps": 8, "ur": 8, "ru": 7, "fr": 7}
CHANNELS = {lang: [f"{lang}_news_{i}" for i in range(1, 4)] for lang in SHARE}

def compose(lang, pool):
    f = L[lang]
    return " ".join([random.choice(f["open"]), random.choice(f[pool]), random.choice(f["tail"])])

posts = []
for day in range(DAYS):
    t0 = START + datetime.timedelta(days=day)
    after = t0 >= TAKEOVER
    for lang, share in SHARE.items():
        n = share + random.randint(-3, 3)
        rate = 0.05 * ((9 if lang == "ar" else 3) if after else 1)
        for _ in range(n):
            ts = t0 + datetime.timedelta(seconds=random.randrange(86400))
            text = compose(lang, "topic" if random.random() < rate else "back")
            posts.append({"ts": ts, "lang": lang, "text": text, "channel": random.choice(CHANNELS[lang]),
                          "author": f"{lang}_user{random.randrange(150)}"})
# A copy-paste flood: one channel posts the same message 60 times on 2021-07-20.
flood_day = datetime.datetime(2021, 7, 20, tzinfo=datetime.timezone.utc)
for k in range(60):
    posts.append({"ts": flood_day + datetime.timedelta(minutes=3 * k), "lang": "en",
                  "text": "Share this now: ISKP statement circulating, read before it is deleted",
                  "channel": "en_spam_1", "author": f"en_bot{k % 5}"})
posts.sort(key=lambda p: p["ts"])
with open("examples/chatter-2021.jsonl", "w", encoding="utf-8") as f:
    for i, p in enumerate(posts):
        f.write(json.dumps({"id": str(100000 + i), "date": p["ts"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "channel": p["channel"], "author": p["author"], "lang": p["lang"],
                            "text": p["text"]}, ensure_ascii=False) + "\n")
print(f"{len(posts)} posts")
