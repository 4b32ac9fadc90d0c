"""Is this message in a script or language the redactor does not cover?

The redactor only understands English written in Latin script. Anything else cannot be
checked for names or addresses, so it must not be stored: the caller replaces it whole by
[OTHER_LANGUAGE].

- Non-Latin script: if letters outside the Latin script (Arabic, Bengali, Gurmukhi, Devanagari,
  Cyrillic, Chinese, ...) make up a large share of the letters, or the Latin part has fewer than
  two English words, the whole message is other-language. A few non-Latin words inside an
  otherwise English message (a name written in its own script) are instead replaced word by
  word by the caller, so no part of them survives.
- Latin script, other language: positive evidence is needed. We count function words of the
  languages users here write in (Spanish, Portuguese, Polish, Romanian, Tagalog, Urdu/Hindi/
  Punjabi in Latin script, French, Italian, Turkish, Somali, Swahili, Albanian, Lithuanian,
  Vietnamese) and words with non-English diacritics, against common English words. A mostly
  English message with one foreign word stays English.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import FrozenSet, List, Tuple

from bot.privacy.names import english_words, is_known_english

_FOREIGN_MARKERS = """
ayuda ayudame ayúdame necesito por favor mi mis esposo marido me pega golpea tengo miedo
la el los las que qué de del y es estoy puedo denunciar sin papeles policía policia hablo
inglés ingles con para una un pero soy muy donde dónde como cómo hola gracias quiero
señor señora tiene está esta hay nada algo ellos ella él usted ustedes nosotros porque
ajuda preciso meu minha bate em mim medo não nao sou posso você voce obrigado obrigada
olá ola socorro uma documentos ele ela eles fazer tenho está estou
pomocy pomoc pomóc mój moj mąż maz boję boje się sie czy mogę moge jak ale mnie nie jest
że ze policja proszę prosze potrzebuję potrzebuje tak bije jestem mam wizy dzień dobry
dziękuję dziekuje gdzie żona zona
ajutor nevoie sunt nu soțul sotul meu mă bate frică frica poliția politia vă va rog pot să
sa cu și si este în pentru unde bună buna ziua mulțumesc multumesc sotia soția eu
ako ang ng mga sa ko mo po tulong kailangan asawa natatakot hindi ba ay siya kami niya
pwede paano ano salamat gusto wala walang ako'y naman lang ito iyan dito saan bakit
mujhe madad chahiye mera meri pati patni hai hain nahi nahin kya mein aap kar karo raha
rahi ki ka ke ko se tum woh yeh bahut darr dar lagta lagti mainu menu tusi kithe ji
hoon hun kaise kahan kyun mujhko humein hum unka uska pe par bhi aur lekin
je suis aide aidez moi mon mari frappe j'ai peur le les et est pas ne avec pour bonjour
merci vous papiers ma femme il elle nous mais où ou qui quoi
aiuto aiutami sono mio marito mi picchia ho paura polizia ciao grazie non posso
yardım yardim kocam beni dövüyor korkuyorum bir ve bu ben değil degil lütfen lutfen
caawimo caawi waan baqayaa ninkayga waxaan kaa ka iyo aan ma haa
nisaidie msaada mume wangu ananipiga naogopa sina karatasi tafadhali ninaomba nina
ndihmë ndihme burri im më kam frikë frike nuk ju lutem
padėkite padekite vyras mane muša musa bijau
tôi toi cần giúp đỡ chồng sợ không cảm ơn
""".split()

_ENGLISH_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


@lru_cache(maxsize=1)
def _markers() -> FrozenSet[str]:
    return frozenset(_FOREIGN_MARKERS) - english_words()


def _is_latin(ch: str) -> bool:
    try:
        return unicodedata.name(ch).startswith("LATIN")
    except ValueError:
        return False


def script_runs(text: str) -> List[Tuple[int, int]]:
    """Spans of words that contain letters outside the Latin script."""
    spans = []
    for m in re.finditer(r"\S+", text):
        if any(ch.isalpha() and not _is_latin(ch) for ch in m.group()):
            spans.append(m.span())
    return spans


def _has_foreign_diacritics(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word)
    return any(unicodedata.combining(c) for c in decomposed) or any(
        c in "łđøßæœı" for c in word.lower()
    )


def is_other_language(text: str) -> bool:
    """True when the whole message should be replaced by [OTHER_LANGUAGE]."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    non_latin = sum(1 for ch in letters if not _is_latin(ch))
    english = english_words()
    words = [w.lower() for w in _ENGLISH_WORD.findall(text)]
    latin_words = [w for w in words if all(_is_latin(c) for c in w)]
    markers = _markers()
    n_english = sum(
        1 for w in latin_words if w in english or (w not in markers and is_known_english(w)))
    if non_latin:
        # Mostly another script, or too little English around it to be an English message.
        return non_latin / len(letters) > 0.5 or n_english < 2
    foreign = sum(
        1 for w in latin_words
        if (w in markers or _has_foreign_diacritics(w)) and not is_known_english(w)
    )
    if foreign == 0:
        return False
    if len(latin_words) <= 2:
        return n_english == 0
    return foreign >= 2 and foreign > n_english
