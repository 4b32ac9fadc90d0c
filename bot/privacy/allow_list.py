"""What the redactor must keep: it identifies no one and the assistant needs it to help.

- the four UK nations (the assistant routes by them);
- the organisations, helpline numbers, web addresses and emails in data/resources.yml, plus a
  hard-coded fallback taken from the fact sheet (so the redactor keeps them even if that file
  is missing or malformed);
- the words of the domain (police, visa, BRP, Home Office, NRM, Victims' Code, ...).

A finding is dropped when its text is an allowed phrase, or when it lies inside an allowed
phrase found in the message ("Southall Black Sisters" is not a person called Sisters).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import FrozenSet, Iterable, List, Tuple

NATIONS = ("England", "Wales", "Scotland", "Northern Ireland", "N. Ireland", "NI", "UK",
           "United Kingdom", "Great Britain", "Britain")

# Places identify no one (and users say where they are): UK cities and large towns, and the
# countries users here most often come from. A house address is still found by its number.
PLACES = tuple("""
London Birmingham Manchester Leeds Liverpool Bristol Sheffield Bradford Leicester Coventry
Nottingham Newcastle Sunderland Wolverhampton Southampton Portsmouth Plymouth Derby Stoke
Reading Luton Slough Southall Hounslow Ealing Croydon Brent Harrow Ilford Newham Tower
Hamlets Hackney Haringey Lewisham Peckham Brixton Wembley Walthamstow Tottenham Enfield
Barking Dagenham Romford Oxford Cambridge Norwich Ipswich Peterborough Northampton Milton
Keynes Bedford Preston Blackburn Bolton Oldham Rochdale Burnley Huddersfield Halifax
Wakefield Doncaster Rotherham Hull York Middlesbrough Durham Carlisle Lancaster Chester
Crewe Warrington Wigan Stockport Salford Cardiff Swansea Newport Wrexham Glasgow Edinburgh
Aberdeen Dundee Inverness Stirling Perth Paisley Belfast Derry Londonderry Newry Lisburn
Armagh Kent Essex Surrey Sussex Yorkshire Lancashire Midlands Cornwall Devon Dorset
Lincoln Gloucester Worcester Hereford Exeter Bath Brighton Hove Canterbury Dover Medway
Chelmsford Colchester Basildon Watford Stevenage Crawley Woking Guildford
Nigeria Ghana Kenya Somalia Eritrea Ethiopia Sudan Zimbabwe Uganda Congo Cameroon
Pakistan India Bangladesh Sri Lanka Nepal Afghanistan Iran Iraq Syria Yemen Jordan
Lebanon Egypt Morocco Algeria Tunisia Libya Turkey Albania Kosovo Romania Bulgaria Poland
Lithuania Latvia Slovakia Czechia Hungary Ukraine Russia Moldova Georgia Brazil Colombia
Venezuela Ecuador Peru Bolivia Mexico Honduras Guatemala Salvador Philippines Manila
Vietnam China Hong Kong Malaysia Indonesia Thailand Jamaica Trinidad Portugal Spain Italy
France Germany Ireland Dublin Europe Africa Asia America
""".split())

# Organisations named in the fact sheet (fallback when data/resources.yml is unavailable).
FALLBACK_ORGANISATIONS = (
    "Southall Black Sisters", "SBS", "LAWRS", "Latin American Women's Rights Service",
    "Crimestoppers", "Crime Stoppers", "Refuge", "Galop", "Karma Nirvana", "Rights of Women",
    "Duncan Lewis", "Duncan Lewis Solicitors", "Victim Support", "Victim Support NI",
    "Home Office", "NHS", "Salvation Army", "The Salvation Army", "Hestia", "Bright Sky",
    "Unseen", "Women's Aid", "Womens Aid", "Welsh Women's Aid", "Scottish Women's Aid",
    "Respect", "Men's Advice Line", "Nexus", "Nexus NI", "Migrant Help", "Refugee Council",
    "Kanlungan", "Kanlungan Filipino Consortium", "FLEX", "Liberty", "Rape Crisis",
    "Rape Crisis Scotland", "Rape Crisis England & Wales", "Live Fear Free",
    "Surviving Economic Abuse", "Money Advice Plus", "True Vision", "Civil Legal Advice",
    "Immigration Advice Authority", "IAA", "OISC", "Law Society", "Police Scotland", "PSNI",
    "Met Police", "Metropolitan Police", "British Transport Police", "NPCC", "HMICFRS",
    "IOPC", "College of Policing", "Domestic Abuse Commissioner", "Forced Marriage Unit",
    "FMU", "FCDO", "UKVI", "UK Visas and Immigration", "Immigration Enforcement",
    "Border Force", "GLAA", "NCA", "National Crime Agency", "TARA", "Step Up Migrant Women",
    "Relay UK", "emergencySMS", "Silent Solution", "Make Yourself Heard", "ATHUB",
    "National Domestic Abuse Helpline", "Modern Slavery & Exploitation Helpline",
    "Modern Slavery Helpline", "Single Competent Authority", "Citizens Advice",
    "Vodafone Foundation", "Crown Prosecution Service", "CPS", "Twilio",
)

# Numbers published in the fact sheet: a user quoting a helpline identifies no one.
FALLBACK_NUMBERS = (
    "999", "112", "101", "55", "18000", "18001", "80010", "1471",
    "0808 2000 247", "08000 121 700", "0808 500 2222", "0808 802 9999", "08088 01 03 02",
    "0800 027 1234", "0808 80 10 800", "07860077333", "0808 802 1414", "0808 801 0327",
    "0800 999 5428", "0800 5999 247", "020 7008 0151", "020 7008 1500", "020 8571 9595",
    "0808 196 7272", "0808 8010 503", "08 08 16 89 111", "0845 30 30 900", "033 3772 0409",
    "0808 1968845", "0800 808 3733", "0300 3038151", "0300 123 4193", "0345 345 4 345",
    "0800 555 111",
)

FALLBACK_DOMAINS = (
    "gov.uk", "police.uk", "nhs.uk", "gov.scot", "gov.wales", "nidirect.gov.uk",
    "refuge.org.uk", "nationaldahelpline.org.uk", "southallblacksisters.org.uk",
    "crimestoppers-uk.org", "report-it.org.uk", "unseenuk.org", "modernslaveryhelpline.org",
    "galop.org.uk", "karmanirvana.org.uk", "rightsofwomen.org.uk", "lawrs.org.uk",
    "duncanlewis.co.uk", "victimsupport.org.uk", "victimsupportni.com", "womensaid.org.uk",
    "welshwomensaid.org.uk", "scottishwomensaid.org.uk", "sdafmh.org.uk", "dsahelpline.org",
    "respect.uk.net", "mensadviceline.org.uk", "salvationarmy.org.uk", "hestia.org",
    "migranthelpuk.org", "refugeecouncil.org.uk", "rapecrisis.org.uk",
    "rapecrisisscotland.org.uk", "247sexualabusesupport.org.uk", "survivingeconomicabuse.org",
    "find-legal-advice.justice.gov.uk", "solicitors.lawsociety.org.uk", "fcdo.gov.uk",
    "athub.org.uk", "nrpfnetwork.org.uk", "kanlungan.org.uk", "livefearfreehelpline.wales",
)

# Domain words and phrases: never a finding, whatever a recogniser thinks.
DOMAIN_PHRASES = (
    "police", "visa", "visas", "asylum", "BRP", "biometric residence permit", "eVisa",
    "Home Office", "NRM", "National Referral Mechanism", "Victims' Code", "Victims Code",
    "Victim's Code", "MVDAC", "DDVC", "DVILR", "SET(DV)", "Appendix FM", "VDA",
    "no recourse to public funds", "NRPF", "ILR", "indefinite leave to remain", "EU Settlement Scheme",
    "EUSS", "legal aid", "Exceptional Case Funding", "ECF", "IDVA", "ISVA", "FGM", "LGBT",
    "LGBTQ", "LGBT+", "GP", "A&E", "MS1", "First Responder", "Modern Slavery Act",
    "Immigration Enforcement", "super-complaint", "Safe to share?", "duty to notify",
    "999", "101", "Silent Solution", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "Christmas", "Eid", "Ramadan",
    "Diwali", "English", "Allah", "God", "Inshallah", "Jesus", "HO", "HO ref", "UKVI", "CID",
    "GWF", "UAN", "NINO", "DOB", "ref",
)

DOMAIN_WORDS = frozenset(
    w.lower() for phrase in DOMAIN_PHRASES + NATIONS for w in re.findall(r"[A-Za-z']+", phrase)
)
PLACE_WORDS = frozenset(p.lower() for p in PLACES)


def _digits(text: str) -> str:
    """Digits of a phone number in national form (+44 / 0044 prefix -> 0)."""
    d = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+44") or d.startswith("0044"):
        d = "0" + d[4 if d.startswith("0044") else 2:].lstrip("0")
    return d


def _host(value: str) -> str:
    host = value.strip().split("@")[-1]
    host = re.sub(r"^https?://", "", host).split("/")[0].lower()
    return host[4:] if host.startswith("www.") else host


def _from_resources() -> Tuple[List[str], List[str], List[str], List[str]]:
    """(names, numbers, web/email domains, service mailboxes) of data/resources.yml, read
    through bot/resources.py (the one loader); empty if the file is missing or malformed,
    and the fallback lists still apply."""
    from bot import resources

    try:
        entries = resources.load()
    except Exception:  # noqa: BLE001  (missing or malformed: the fallback lists apply)
        return [], [], [], []
    names = [r.name for r in entries]
    numbers = [n for r in entries for n in (r.phone, r.text, *r.extra_numbers) if n]
    domains = [_host(v) for r in entries for v in (r.web, r.email) if v]
    emails = [r.email for r in entries if r.email]
    return names, numbers, domains, emails


class AllowList:
    """Phrases, numbers and domains the redactor keeps."""

    def __init__(self, phrases: Iterable[str], numbers: Iterable[str], domains: Iterable[str]):
        cleaned = sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
        self.phrases: FrozenSet[str] = frozenset(p.lower() for p in cleaned)
        # Words of allowed phrases of two or more words ("silent", "solution", "office").
        self.phrase_words: FrozenSet[str] = frozenset(
            w for p in self.phrases if " " in p for w in p.split() if len(w) > 2)
        # Words of allowed phrases of two or more words ("silent", "solution", "office").
        self.phrase_words: FrozenSet[str] = frozenset(
            w for p in self.phrases if " " in p for w in p.split() if len(w) > 2)
        # One alternation, longest first, on word boundaries, any case.
        self._phrase_re = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(p) for p in cleaned) + r")(?!\w)", re.IGNORECASE
        )
        self.numbers: FrozenSet[str] = frozenset(_digits(n) for n in numbers if _digits(n))
        # Each allowed number as typed with any separators, not inside a longer number.
        long_numbers = sorted((n for n in self.numbers if len(n) >= 5), key=len, reverse=True)
        self._number_re = re.compile(
            r"(?<!\d)(?:" + "|".join(r"[\s.\-()]*".join(n) for n in long_numbers) + r")(?!\d)"
        ) if long_numbers else None
        self.domains: FrozenSet[str] = frozenset(d.lower() for d in domains if d)

    def spans(self, text: str) -> List[Tuple[int, int]]:
        """Where allowed phrases occur in the text."""
        return [m.span() for m in self._phrase_re.finditer(text)]

    def number_spans(self, text: str) -> List[Tuple[int, int]]:
        """Where allowed numbers (5+ digits) occur in the text, with any separators."""
        return [m.span() for m in self._number_re.finditer(text)] if self._number_re else []

    def is_allowed_text(self, fragment: str) -> bool:
        return fragment.strip(" .,;:!?'\"()").lower() in self.phrases

    def is_allowed_number(self, fragment: str) -> bool:
        return _digits(fragment) in self.numbers

    def is_allowed_domain(self, fragment: str) -> bool:
        """A web address or email whose host is (under) an allowed domain, with at most a
        short path (a profile URL on an allowed host could still identify someone)."""
        frag = fragment.strip().lower()
        frag = re.sub(r"^[a-z]+://", "", frag)
        host, _, path = frag.partition("/")
        if "@" in host:
            return False  # a person's mailbox, even on an allowed domain, is not kept
        host = host.split(":")[0]
        if host.startswith("www."):
            host = host[4:]
        allowed_host = any(host == d or host.endswith("." + d) for d in self.domains)
        return allowed_host and not re.search(r"\d{4,}|@|profile|user|id=", path)

    def is_allowed_email(self, fragment: str) -> bool:
        """Service mailboxes published by the organisations (help@galop.org.uk)."""
        return fragment.strip().lower() in self.phrases


@lru_cache(maxsize=1)
def default_allow_list() -> AllowList:
    names, numbers, domains, emails = _from_resources()
    fallback_emails = ["helpline@sdafmh.org.uk", "help@dsahelpline.org", "help@galop.org.uk",
                       "fmu@fcdo.gov.uk"]
    return AllowList(
        phrases=list(NATIONS) + list(FALLBACK_ORGANISATIONS) + list(DOMAIN_PHRASES) + names
        + list(PLACES) + ["Sri Lanka", "Hong Kong", "Milton Keynes", "Tower Hamlets",
                          "El Salvador", "Northern Ireland"]
        + fallback_emails + emails,
        numbers=list(FALLBACK_NUMBERS) + numbers,
        domains=list(FALLBACK_DOMAINS) + domains,
    )
