"""Personal-name lexicon and the English vocabulary that keeps it honest.

The small English spaCy pipeline misses many names from the communities Safe Report serves
(South Asian, African, Arabic, Eastern European, Latin American, Filipino), and misses almost
all names typed in lower case. We therefore also look names up in word lists taken from the
locale data that ships with the `faker` package (first and last names per locale; data only,
nothing is generated or downloaded), plus a short supplement for transliterations that faker's
locales lack (Somali, Arabic in Latin script, Filipino).

A word that is also ordinary English ("will", "grace", "mark", "bill") is never treated as a
name on its own: it needs the spaCy NER or a context cue. The English vocabulary comes from
spaCy's stop words, faker's en_US lorem word list (about 1,000 common words) and the domain
words of this assistant.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import FrozenSet

from spacy.lang.en.stop_words import STOP_WORDS

from bot.privacy.allow_list import DOMAIN_WORDS, PLACE_WORDS

# Faker locales whose person provider has Latin-script names of the communities we serve,
# and of the UK population generally (a name is a name, whoever carries it).
_LOCALES = (
    "en_GB", "en_US", "en_IE", "ga_IE", "en_NZ",
    "en_IN", "en_PK", "gu_IN",  # gu_IN/en_IN carry Latin transliterations
    "en_NG", "ha_NG", "ig_NG", "yo_NG", "en_KE", "sw", "tw_GH", "zu_ZA",
    "fr_DZ", "tr_TR", "az_AZ", "uz_UZ", "id_ID",
    "pl_PL", "ro_RO", "cs_CZ", "sk_SK", "hu_HU", "lt_LT", "lv_LV", "hr_HR", "sl_SI", "et_EE",
    "es_ES", "es_MX", "es_CO", "es_AR", "es_CL", "pt_BR", "pt_PT", "it_IT", "fr_FR", "de_DE",
)

# Transliterations that the faker locales above lack. Written from general knowledge of
# common names, not from the test set.
_SUPPLEMENT_FIRST = """
abdi abdullahi abdirahman abdiaziz ayaan hodan faduma fadumo hawa halima ilhan ifrah khadra
sahra sagal hamdi warsame farah mahad mohamud mohamed muhammad mohammad mohammed mohamad
ahmad ahmed ahmet hamza yusuf yousef youssef ibrahim ismail khalid khaled omar umar othman
uthman tariq zaid zayd karim kareem rashid rasheed samir sameer walid waleed nabil mustafa
mostafa hussein husain hussain hassan hasan hasna layla leila laila noor nour nura amira
amina aminah aisha ayesha fatima fatma fatemeh maryam mariam zainab zaynab zahra khadija
salma samira yasmin yasmeen jamila rania reem rim huda hiba dina lina nadia nadine rana
sana sara sarah asma iman eman ranya rukhsana nasreen parveen shabnam shazia shirin shireen
abdul abdallah abdulla jamal jamil nasser nasir tahir bilal faisal imran irfan kamran
usman waqas zubair asif arif adnan naveed nadeem shahid sajid majid javed jawad farhan
priya pooja puja anjali sunita anita kavita lakshmi meena rekha deepa divya neha nisha
shreya swati aarti arti geeta gita rani simran harpreet gurpreet jaspreet manpreet
navjot amrit balwinder kulwinder rajinder sukhwinder jasbir harjit ranjit manjit paramjit
raj rajesh ramesh suresh mahesh dinesh ganesh vijay sanjay ajay rahul rohit amit sumit
ankit arjun vikram sunil anil kiran ravi mohan gopal krishna arun varun nikhil siddharth
rina tasnim tahmina nasima rahima shamima rubina salma farzana sultana rumana shirin
chiamaka chinwe chioma ngozi nkechi ifeoma adaeze amaka obiageli uchenna chinedu emeka
ikenna obinna chukwuemeka chidi kelechi nnamdi ifeanyi adebayo adewale ayodele babatunde
oluwaseun olumide segun tunde femi funmilayo folake yetunde bukola abimbola temitope
kwame kofi kwaku yaw ama akosua abena adwoa efua esi kojo kwabena nana akua yaa
wanjiru wambui njeri achieng akinyi otieno odhiambo kamau mwangi njoroge kipchoge
tendai tatenda rutendo chipo nyasha tafadzwa farai thabo sipho lerato nomsa zanele
agnieszka katarzyna malgorzata małgorzata magdalena joanna dorota ewa grazyna grażyna
krzysztof tomasz piotr pawel paweł lukasz łukasz mateusz marcin michal michał wojciech
andrzej jakub kacper szymon bartosz zbigniew stanislaw stanisław jadwiga wiesława
ionela ioana mihaela andreea alexandra gabriela loredana florentina nicoleta elena irina
ion ionut ionuț mihai andrei bogdan cristian florin marius dragos dragoș vasile gheorghe
svetlana natalia natalya oksana olena olga tetiana tatiana yulia iryna viktoriia kateryna
dmytro oleksandr oleksii serhii sergei sergey andriy vladimir volodymyr yuri yuriy igor
lindita besa arta mimoza drita fatmir arben blerim agron valon ardit
maria fernanda lucia luciana valentina camila daniela gabriela paola ximena yesenia
guadalupe rocio rocío marisol esperanza leticia beatriz milagros yolanda ingrid
juan jose josé luis carlos jorge diego alejandro andres andrés santiago mateo sebastian
joao joão thiago tiago rafael rodrigo gustavo leandro wellington washington
maricel marites maribel marivic rowena jocelyn rosalinda lourdes imelda corazon
analyn jonalyn rhea rowel jomar jericho rommel ramil arnel reynaldo rodel
""".split()

_SUPPLEMENT_LAST = """
hassan hussein hussain ali mohamed mohamud abdi farah warsame osman omar yusuf ahmed
jama nur noor egal samatar abdullahi aden adan dualeh guled hirsi ismail isse
al-rashid rashid khan malik qureshi chaudhry chaudhary choudhury rahman hossain uddin
begum akhtar bibi siddiqui ansari hashmi sheikh shaikh mirza baig butt raza rizvi
haddad khoury nasser mansour saleh salah aziz hakim karimi hosseini rezaei ahmadi
sharma verma gupta singh kaur patel shah mehta desai joshi iyer nair menon reddy rao
pillai kumar das dutta ghosh banerjee chatterjee mukherjee bose sen sandhu gill dhillon
grewal sidhu bains johal sahota atwal
okafor okonkwo okeke nwosu eze obi adeyemi adebayo ogunleye oyelaran balogun bello
mensah asante owusu boateng appiah osei agyeman kamau otieno mwangi ochieng njoroge
moyo dube ncube ndlovu sibanda
kowalczyk kowalski kowalska nowak wisniewski wiśniewski wisniewska wojcik wójcik
kaminski kamińska lewandowski lewandowska zielinski zielińska szymanski wozniak woźniak
dabrowski dąbrowski kozlowski jankowski mazur krawczyk piotrowski grabowski pawlak
popescu ionescu popa pop radu stan dumitru stoica gheorghe munteanu constantin
shevchenko kovalenko bondarenko tkachenko kravchenko melnyk boyko petrenko ivanov
petrov smirnov popov kuznetsov
lopez lópez garcia garcía martinez martínez rodriguez rodríguez hernandez hernández
gonzalez gonzález perez pérez sanchez sánchez ramirez ramírez torres flores rivera
gomez gómez diaz díaz morales ortiz gutierrez gutiérrez castillo vargas mendoza
silva santos oliveira souza costa pereira ferreira almeida carvalho lima araujo araújo
dela cruz reyes bautista mendoza aquino villanueva ramos tolentino manalo dizon
macapagal pangilinan soriano mercado ocampo santiago fernando castro navarro
""".split()

# Surname particles that join parts of one name ("Al-Rashid", "dela Cruz", "bin Salman").
PARTICLES = frozenset(
    "al el bin ibn bint abu abd de da das dos del dela delos la van von der di du le".split()
)

# Names that are also everyday English words or domain words: accepted only with strong
# evidence (the spaCy NER calls them a person, or a cue such as "my husband ...").
_ENGLISH_NAMES = frozenset(
    """
    will may june april august hope faith grace joy rose lily daisy ivy holly summer
    autumn dawn sky skye amber ruby pearl crystal precious patience charity mercy
    bill mark jack guy don ray rob pat sue art bob frank earl dean miles chase hunter
    sunny rich noble young white black brown green long king rock bishop page story
    stone wood hill moon sun star love lucky blessing gift favour favor
    asia india china georgia jordan israel kenya chad lagos paris victoria
    nana om
    """.split()
)

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")


def _faker_names(locale: str) -> tuple[set[str], set[str]]:
    module = importlib.import_module(f"faker.providers.person.{locale}")
    provider = module.Provider
    first: set[str] = set()
    last: set[str] = set()
    for attr in dir(provider):
        if not attr.startswith(("first_name", "last_name")) or attr.endswith("_formats"):
            continue
        value = getattr(provider, attr)
        if isinstance(value, dict):  # some locales weight names: {name: frequency}
            value = value.keys()
        if not isinstance(value, (list, tuple, set, frozenset)) and not hasattr(value, "keys"):
            continue
        target = first if attr.startswith("first_name") else last
        for name in value:
            if isinstance(name, str):
                target.update(w.lower() for w in _WORD.findall(name))
    return first, last


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """Common English words (stop words, faker's ~1,000 common words, domain words)."""
    from faker.providers.lorem.en_US import Provider as EnglishLorem

    words = {w.lower() for w in STOP_WORDS}
    words.update(w.lower() for w in EnglishLorem.word_list)
    words.update(DOMAIN_WORDS)
    words.update(PLACE_WORDS)
    words.update(_EXTRA_ENGLISH)
    return frozenset(words)


@lru_cache(maxsize=1)
def lexicon() -> tuple[FrozenSet[str], FrozenSet[str]]:
    """(first names, last names), lower case, without common English words."""
    first: set[str] = set(_SUPPLEMENT_FIRST)
    last: set[str] = set(_SUPPLEMENT_LAST)
    for locale in _LOCALES:
        try:
            f, l = _faker_names(locale)
        except ImportError:  # a locale renamed upstream must not stop the redactor
            continue
        first |= f
        last |= l
    common = english_words() | _ENGLISH_NAMES | PARTICLES
    first = {w for w in first if len(w) > 1 and w not in common}
    last = {w for w in last if len(w) > 1 and w not in common}
    return frozenset(first), frozenset(last)


@lru_cache(maxsize=1)
def dictionary_words() -> FrozenSet[str]:
    """Base forms of English words from the WordNet-derived lemma index that ships inside
    the spaCy pipeline (about 80,000). It includes some names (john, maria, ali), so a
    lexicon name found here is only a *weak* name; short entries (mostly abbreviations
    such as "de", "la") are left out."""
    from spacy.lookups import Lookups

    from bot.privacy.spacy_model import model_path

    lookups = Lookups().from_disk(model_path() / "lemmatizer" / "lookups")
    index = lookups.get_table("lemma_index")
    words = set()
    for key in index.keys():
        words.update(w for w in index[key] if len(w) >= 3 and w.isalpha())
    return frozenset(words)


def _base_forms(word: str):
    yield word
    for suffix, repl in (("'s", ""), ("ies", "y"), ("es", ""), ("s", ""), ("ed", ""),
                         ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", ""), ("d", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            yield word[: len(word) - len(suffix)] + repl


def is_known_english(word: str) -> bool:
    """A common English word, or any inflection of a dictionary word."""
    low = word.lower()
    if low in english_words():
        return True
    dictionary = dictionary_words()
    return any(form in dictionary for form in _base_forms(low))


def is_weak_name(word: str) -> bool:
    """A lexicon name that is also a dictionary word (said, rose, john, khan)."""
    low = word.lower()
    return any(form in dictionary_words() for form in _base_forms(low))


def is_english_name(word: str) -> bool:
    """A name that is also an ordinary English word (needs strong evidence)."""
    return word.lower() in _ENGLISH_NAMES


def name_part(word: str) -> bool:
    """True if the word (any case) is a first or last name in the lexicon.

    Hyphenated and apostrophe forms count when every part is a name or a particle
    ("al-rashid", "abu-bakr", "o'brien").
    """
    first, last = lexicon()
    low = word.lower().replace("\u2019", "'")
    if low in first or low in last:
        return True
    parts = [p for p in re.split(r"[-']", low) if p]
    if len(parts) < 2:
        return False
    named = [p in first or p in last for p in parts]
    particle = [p in PARTICLES or p == "o" or p == "d" for p in parts]
    return any(named) and all(n or q for n, q in zip(named, particle))


# Words people type here that the lists above lack; without them a typo-ridden English
# message could look like a name or a foreign language.
_EXTRA_ENGLISH = frozenset(
    """
    hi hello hey hiya ok okay yes yeah yea yep no nope thanks thank thx ty pls plz please
    u ur im ive id dont cant wont didnt doesnt isnt wasnt arent aint gonna wanna gotta
    i'm i've i'd i'll it's don't can't won't didn't doesn't isn't wasn't aren't he's she's
    that's there's what's let's you're they're we're
    cn wat wot wht whats hw tho coz cuz cos bc abt txt msg ppl sumone someone somebody
    anyone anybody nobody everyone husband wife partner boyfriend girlfriend ex fiance
    fiancee mum mom dad mother father son daughter brother sister uncle aunt cousin
    child children kid kids baby family friend friends boss employer landlord neighbour
    neighbor manager agent officer officers cop cops lawyer solicitor solicitors
    scared afraid frightened worried help helps helped helping safe unsafe danger
    dangerous hurt hurts hit hits hitting beat beats beaten kicked punched slapped
    raped rape threatened threaten threatens threats locked trapped forced forcing
    abuse abused abuser abusive violence violent deport deported deportation
    detained detention arrest arrested report reported reporting crime crimes
    victim victims witness witnesses papers paperwork documents document passport
    passports visa visas expired overstayed overstay status immigration immigrant
    migrant migrants refugee refugees asylum seeker settled settlement leave remain
    indefinite spouse dependant dependent sponsor sponsored student worker work
    job jobs wage wages paid pay money debt owe owes phone mobile text texts message
    messages chat delete deleted erase forget anonymous anonymously confidential
    private privacy data share shared sharing tell told know knows knowing
    hospital doctor gp nurse treatment medical health pregnant pregnancy
    trafficking trafficked traffickers slavery slave exploited exploitation
    marriage married marry divorce honour honor forced shelter refuge hostel
    council housing benefits funds recourse public legal aid advice adviser
    gay lesbian bi trans lgbt lgbtq queer man men woman women male female
    english england wales welsh scotland scottish ireland irish northern britain
    british uk london street road helpline helplines hotline webchat chat online website
    app apps sms whatsapp facebook instagram tiktok email emails voicemail
    """.split()
)
