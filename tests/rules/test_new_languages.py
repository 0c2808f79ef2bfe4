"""The shipped rules in it, pl, nl, sv, cs, ro, tr, fa, ur, hi, ja, ko, vi, th and he: one
positive per rule and one hard negative per language, and the text analysis they rely on.

The positives name no state on purpose: they hold through the self-sufficient concepts
(sanction measures, conflict talks, a mission word with a mission event), whatever the actors
list of the language says. Each hard negative carries a trigger that its rule excludes.
"""

from __future__ import annotations

import bisect

import pytest

from monitor.models import Article
from monitor.rules.analysis import Analyzer, fold, sentence_ends, spans, words
from monitor.rules.language import detect_language
from monitor.rules.matcher import Matcher
from tests.conftest import RULES

SANCTIONS = {
    "it": "L'Unione europea ha approvato un nuovo pacchetto di sanzioni contro Mosca.",
    "pl": "Rada UE przyjęła kolejny pakiet sankcji wobec Rosji.",
    "nl": "De EU legt een olie-embargo op aan Rusland.",
    "sv": "EU har beslutat om ett nytt sanktionspaket mot Ryssland.",
    "cs": "Evropská unie schválila další balíček sankcí proti Rusku.",
    "ro": "Consiliul UE a adoptat un nou pachet de sancțiuni împotriva Rusiei.",
    "tr": "ABD, İran'a yeni ekonomik yaptırımlar uyguladı.",
    "fa": "آمریکا تحریم‌های اقتصادی تازه‌ای علیه ایران اعمال کرد.",
    "ur": "امریکہ نے ایران پر نئی اقتصادی پابندیاں عائد کر دیں۔",
    "hi": "अमेरिका ने ईरान पर नए आर्थिक प्रतिबंध लगाए।",
    "ja": "政府はロシアに対する追加制裁を発表した。",
    "ko": "정부는 러시아에 대한 독자제재를 발표했다.",
    "vi": "Mỹ công bố lệnh trừng phạt mới nhằm vào Iran.",
    "th": "สหรัฐฯ ประกาศมาตรการคว่ำบาตรรัสเซียรอบใหม่",
    "he": "האיחוד האירופי אישר חבילת סנקציות חדשה נגד רוסיה.",
}
EMBASSIES = {
    "it": "L'ambasciata italiana a Kiev ha chiuso per motivi di sicurezza.",
    "pl": "Ambasada Polski w Mińsku została zamknięta.",
    "nl": "De Nederlandse ambassade in Teheran is tijdelijk gesloten.",
    "sv": "Sveriges ambassad i Bagdad stormades av demonstranter.",
    "cs": "České velvyslanectví v Kyjevě bylo evakuováno.",
    "ro": "Ambasada României de la Kiev a fost închisă temporar.",
    "tr": "Türkiye'nin Kabil Büyükelçiliği geçici olarak kapatıldı.",
    "fa": "سفارت ایران در کابل پس از حمله تعطیل شد.",
    "ur": "اسلام آباد میں سفارت خانہ سکیورٹی خدشات کے باعث بند کر دیا گیا۔",
    "hi": "काबुल में भारतीय दूतावास को सुरक्षा कारणों से बंद कर दिया गया।",
    "ja": "日本政府はキーウの大使館を再開した。",
    "ko": "정부는 키이우 주재 대사관을 폐쇄했다.",
    "vi": "Đại sứ quán Việt Nam tại Kiev tạm thời đóng cửa.",
    "th": "สถานทูตไทยในกรุงเคียฟปิดทำการชั่วคราว",
    "he": "שגרירות ישראל בטורקיה נסגרה בעקבות ההפגנות.",
}
NEGOTIATIONS = {
    "it": "I colloqui di pace tra le parti riprenderanno a Ginevra.",
    "pl": "Rozmowy pokojowe wznowiono w Stambule.",
    "nl": "De vredesbesprekingen worden volgende week hervat.",
    "sv": "Fredssamtalen återupptas nästa vecka i Genève.",
    "cs": "Mírová jednání budou pokračovat příští týden.",
    "ro": "Negocierile de pace vor fi reluate la Istanbul.",
    "tr": "Barış görüşmeleri gelecek hafta İstanbul'da yeniden başlayacak.",
    "fa": "مذاکرات صلح هفته آینده در ژنو از سر گرفته می‌شود.",
    "ur": "امن مذاکرات اگلے ہفتے دوحہ میں دوبارہ شروع ہوں گے۔",
    "hi": "शांति वार्ता अगले सप्ताह जिनेवा में फिर से शुरू होगी।",
    "ja": "和平交渉は来週ジュネーブで再開される。",
    "ko": "평화협상이 다음 주 제네바에서 재개된다.",
    "vi": "Các cuộc hoà đàm sẽ được nối lại tại Geneva vào tuần tới.",  # reformed tone style
    "th": "การเจรจาสันติภาพจะเริ่มขึ้นอีกครั้งที่เจนีวาในสัปดาห์หน้า",
    "he": "שיחות השלום יתחדשו בשבוע הבא בקהיר.",
}
# A brand or goodwill ambassador, or a hotel named like a mission, with an opening or an
# appointment in the same sentence: without the venues exclusion, each would be an alert.
NOT_EMBASSIES = {
    "it": "La cantante è stata nominata ambasciatrice del marchio e ha aperto un ristorante.",
    "pl": "Aktorka została ambasadorką marki i otworzyła nową restaurację.",
    "nl": "De zanger werd ambassadeur van het merk en opende een nieuw hotel.",
    "sv": "Artisten blev ambassadör för varumärket och öppnade en restaurang.",
    "cs": "Zpěvačka byla jmenována velvyslankyní dobré vůle a otevřela kavárnu.",
    "ro": "Actrița a fost numită ambasador al brandului și a deschis un restaurant.",
    "tr": "Elçilik Otel yeni şubesini Ankara'da açtı.",
    "fa": "هتل سفیر در تهران پس از بازسازی افتتاح شد.",
    "ur": "کراچی میں سفیر ہوٹل کی نئی شاخ کھول دی گئی۔",
    "hi": "दिल्ली में राजदूत होटल का नया रेस्टोरेंट खोला गया।",
    "ja": "人気俳優が観光大使に任命された。",
    "ko": "배우 김씨가 홍보대사로 임명됐다.",
    "vi": "Ca sĩ được bổ nhiệm làm đại sứ thương hiệu cho một khách sạn.",
    # "ทูต" is also inside การทูต (diplomacy) and ทูตสันถวไมตรี (goodwill ambassador).
    "th": "นักแสดงสาวได้รับแต่งตั้งเป็นทูตสันถวไมตรีและชื่นชมการทูตเชิงรุกของไทย",
    "he": "שגרירת המותג פתחה את המסעדה החדשה בתל אביב.",
}
LANGUAGES = tuple(SANCTIONS)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.load(RULES)


def _rules(matcher: Matcher, text: str, language: str) -> set[str]:
    return {m.rule_id for m in matcher.match(Article(title="", body=text, language=language))}


@pytest.mark.parametrize(("rule", "texts"), [
    ("sanctions", SANCTIONS), ("embassies", EMBASSIES), ("negotiations", NEGOTIATIONS)])
@pytest.mark.parametrize("language", LANGUAGES)
def test_positive(matcher: Matcher, language: str, rule: str, texts: dict[str, str]) -> None:
    assert rule in _rules(matcher, texts[language], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hard_negative(matcher: Matcher, language: str) -> None:
    assert "embassies" not in _rules(matcher, NOT_EMBASSIES[language], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_positives_in_the_title_too(matcher: Matcher, language: str) -> None:
    article = Article(title=SANCTIONS[language], body="", language=language)
    assert "sanctions" in {m.rule_id for m in matcher.match(article)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_detected_language(language: str) -> None:
    text = " ".join((SANCTIONS[language], EMBASSIES[language], NEGOTIATIONS[language]))
    assert detect_language(text) == language


def test_hangul_syllables_are_tokens() -> None:
    # Particles and compounds attach with no space: the mission word is found inside both.
    assert words("주러시아대사관은") == ["주", "러", "시", "아", "대", "사", "관", "은"]
    text = "대러 제재"
    assert [text[a:b] for a, b in spans(text)] == ["대", "러", "제", "재"]


@pytest.mark.parametrize(("reformed", "common"), [
    ("hoà bình", "hòa bình"), ("thoả thuận", "thỏa thuận"), ("thuỷ", "thủy"),
    ("khoẻ", "khỏe"), ("HOÀ", "hòa"),
])
def test_vietnamese_tone_placement_folds(reformed: str, common: str) -> None:
    assert fold(reformed, "vi") == fold(common, "vi") == common


@pytest.mark.parametrize("word", ["quý", "hoàn", "thuận", "toán"])
def test_vietnamese_tones_elsewhere_stay(word: str) -> None:
    assert fold(word, "vi") == word


@pytest.mark.parametrize(("language", "a", "b"), [
    ("fa", "تحریم‌های", "تحریمهای"),  # zero-width non-joiner typed or not
    ("fa", "تحريم", "تحریم"),  # Arabic yeh
    ("fa", "كشور", "کشور"),  # Arabic kaf
    ("ur", "پابندياں", "پابندیاں"),
    ("ur", "معاهده", "معاہدہ"),  # Arabic heh for heh goal
])
def test_persian_and_urdu_spellings_fold(language: str, a: str, b: str) -> None:
    assert fold(a, language) == fold(b, language)


def test_arabic_keeps_its_letters() -> None:
    assert fold("معاهدة", "ar") == "معاهدة"


@pytest.mark.parametrize(("text", "sentences"), [
    ("राजदूत को तलब किया। प्रतिबंध लगाए गए।", [0, 0, 0, 0, 1, 1, 1]),
    ("سفیر کو طلب کیا گیا۔ پابندیاں عائد", [0, 0, 0, 0, 0, 1, 1]),
    ("השגריר ח. כהן זומן. נמסר", [0, 0, 0, 0, 1]),  # a Hebrew initial ends no sentence
])
def test_sentence_ends_of_new_languages(text: str, sentences: list[int]) -> None:
    ends = sentence_ends(text)
    assert [bisect.bisect_right(ends, a) for a, _b in spans(text)] == sentences


@pytest.mark.parametrize(("language", "a", "b"), [
    ("tr", "büyükelçiliği", "büyükelçilik"),
    ("hi", "प्रतिबंधों", "प्रतिबंध"),
    ("pl", "sankcjami", "sankcje"),
    ("nl", "sancties", "sanctie"),
    ("it", "sanzioni", "sanzione"),
    ("cs", "sankcemi", "sankce"),
    ("sv", "sanktionerna", "sanktioner"),
])
def test_stems_of_new_languages_agree(language: str, a: str, b: str) -> None:
    analyzer = Analyzer(language)
    assert analyzer.stem(a) == analyzer.stem(b)


def test_hindi_detected_as_nepali_uses_the_hindi_lists(matcher: Matcher) -> None:
    # Detectors call short Hindi text Nepali: the Hindi lists serve it.
    article = Article(title="", body=EMBASSIES["hi"], language="ne")
    assert "embassies" in {m.rule_id for m in matcher.match(article)}
