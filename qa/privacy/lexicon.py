"""The words the PII detectors look for, per language, kept apart from the rules that use them.

Why a Python table and not YAML beside it as in ``scoring/lang``: ``qa.privacy`` may not import ``scoring``, and a
table here needs no package-data entry nor a loader; the words are few and change with the rules, not per
rubric. Number words cover what a caller says when dictating digits (0–19, tens, hundreds, the feminine «одна»/
«две» and en «oh», «double»); case forms such as «двух», «пяти» are left out on purpose: nobody dictates a phone
number in the genitive, while prices and dates («до двух», «с пяти») use them all the time.
Lookups are made on :func:`normalize`-d words (lower case, «ё» → «е», one apostrophe).
"""

from __future__ import annotations

__all__ = [
    "COMMON_WORD_NAMES", "EN_STOPWORDS", "HUNDRED_WORDS", "NAME_CUES_AFTER", "NAME_CUES_STRONG", "NAME_CUES_WEAK",
    "NOT_NAMES",
    "NUMBER_WORDS", "NUMBER_WORDS_BY_LANGUAGE", "PLUS_WORDS", "REPEAT_WORDS", "normalize",
]

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ё": "е", "Ё": "е"})


def normalize(word: str) -> str:
    """The lookup form of a word: lower case, «ё» as «е», every apostrophe as ``'``."""
    return word.translate(_APOSTROPHES).lower()


_RU = {
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "одну": 1, "одно": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700,
    "восемьсот": 800, "девятьсот": 900,
}

_UK = {
    "нуль": 0, "ноль": 0, "один": 1, "одна": 1, "одну": 1, "два": 2, "дві": 2, "три": 3, "чотири": 4,
    "п'ять": 5, "шість": 6, "сім": 7, "вісім": 8, "дев'ять": 9,
    "десять": 10, "одинадцять": 11, "дванадцять": 12, "тринадцять": 13, "чотирнадцять": 14, "п'ятнадцять": 15,
    "шістнадцять": 16, "сімнадцять": 17, "вісімнадцять": 18, "дев'ятнадцять": 19,
    "двадцять": 20, "тридцять": 30, "сорок": 40, "п'ятдесят": 50, "шістдесят": 60, "сімдесят": 70,
    "вісімдесят": 80, "дев'яносто": 90,
    "сто": 100, "двісті": 200, "триста": 300, "чотириста": 400, "п'ятсот": 500, "шістсот": 600, "сімсот": 700,
    "вісімсот": 800, "дев'ятсот": 900,
}

_EN = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

# Callers mix languages (and ASR mixes scripts), so one table serves every call; the words do not collide.
NUMBER_WORDS: dict[str, int] = {**_EN, **_UK, **_RU}
NUMBER_WORDS_BY_LANGUAGE: dict[str, dict[str, int]] = {"ru": _RU, "uk": _UK, "en": _EN}
HUNDRED_WORDS = frozenset({"hundred"})  # en «eight hundred» (ru/uk say «восемьсот» in one word)
REPEAT_WORDS = {"double": 2, "triple": 3}  # en «double five» = 55
PLUS_WORDS = frozenset({"плюс", "plus"})

# Cues after which the next words are a person's name even in lower-case ASR text. Regex fragments, matched
# case-insensitively on word boundaries. Strong: the next word is a name unless it is plainly something else;
# weak («это», «this is»): only a word the dictionary knows as a name.
NAME_CUES_STRONG: tuple[str, ...] = (
    # ru
    r"меня зовут", r"зовут", r"мо[её] имя", r"на имя", r"имя", r"фамилия", r"на фамилию", r"отчество", r"фио",
    r"с вами говорит", r"вас беспокоит", r"обращаться к",
    # uk
    r"мене звати", r"звати", r"мо[єе] ім'я", r"на ім'я", r"ім'я", r"прізвище", r"на прізвище", r"по батькові",
    r"з вами говорить", r"вас турбує",
    # en
    r"my name is", r"my name's", r"name is", r"name's", r"surname is", r"last name is", r"first name is",
    r"under the name(?: of)?", r"speaking with", r"speak to", r"ask for",
)
NAME_CUES_WEAK: tuple[str, ...] = (
    r"это", r"це", r"this is", r"i am", r"i'm", r"mr\.?", r"mrs\.?", r"ms\.?", r"miss", r"dr\.?",
    r"господин", r"госпожа", r"пан", r"пане", r"пані", r"пани",
    r"hi", r"hello", r"hey", r"bye", r"goodbye", r"thank you", r"thanks", r"dear", r"is that",
)
NAME_CUES_AFTER: tuple[str, ...] = (r"speaking", r"here")  # en «Liam speaking», «Tom here»

# Words the dictionaries tag as names that are nearly always something else on the phone («Алло» is also the
# vocative of «Алла» in the Ukrainian dictionary).
NOT_NAMES = frozenset({"алло", "алле", "але", "ало"})  # normalized: «алё» is «але»

# Given names that are far more often ordinary words («надежда» hope, «вера» faith, «любовь» love...): taken as a
# name only mid-sentence with a capital or after a strong cue, never at the start of a sentence or after «это».
COMMON_WORD_NAMES = frozenset({
    "надежда", "надежду", "надежды", "надежде", "вера", "веру", "веры", "вере", "любовь", "любви", "слава", "славу",
    "славы", "роза", "розу", "розы", "лилия", "лилию", "лев", "льва", "мир", "победа", "заря", "роман", "романа",
    "надія", "надію", "надії", "віра", "віру", "віри", "любов", "любові", "лілія", "троянда", "мила", "ника",
})

# en words that never start a name (after a cue in lower-case ASR: «my name is not important», «this is about»)
EN_STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "so", "not", "no", "yes", "yeah", "ok", "okay", "is", "am", "are", "was",
    "it", "its", "it's", "i", "i'm", "me", "my", "you", "your", "we", "he", "she", "they", "this", "that", "here",
    "there", "from", "with", "at", "in", "on", "of", "for", "to", "about", "calling", "speaking", "just", "again",
    "please", "thanks", "thank", "sorry", "hello", "hi", "hey", "um", "uh", "er", "well", "sir", "madam", "ma'am",
    "good", "great", "fine", "sure", "right", "correct", "going", "looking", "trying", "very", "really", "also",
    "still", "afraid", "glad", "happy", "sorry", "interested", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december", "today", "tomorrow", "customer", "service", "support",
    "regarding", "concerning", "what", "who", "how", "why", "when", "where", "which", "one", "two", "all",
    "name", "name's", "mr", "mrs", "ms", "miss", "dr", "mister",
})
