"""Synthetic news corpus for benchmarking dossier against Hugo and Pelican.

``python benchmarks/corpus.py --size N --out DIR [--seed 1]`` writes three sites
with the same article text:

- ``DIR/dossier``: a dossier project (site.yaml, seeds/, content/people,
  content/countries, content/meetings: one meeting per ten articles);
- ``DIR/hugo``: a Hugo site with people and countries as taxonomies;
- ``DIR/pelican``: a Pelican site, people as tags and countries as authors
  (Pelican's only built-in many-valued taxonomies with pages of their own).

Everything comes from one ``random.Random(seed)`` and is written in a fixed
order, so two runs with the same arguments are byte-identical. No set or dict
of strings is ever iterated unsorted (string hashing is randomised per process).
"""

# ruff: noqa: E501  (the Hugo and Pelican templates below are data, kept one tag a line)

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_PEOPLE = 2000
MAX_COUNTRIES = 200
MEETING_EVERY = 10  # one meeting fact sheet per this many articles
WORDS_MIN, WORDS_MAX = 570, 670  # ~620 words per article
FIRST_DAY = dt.date(2019, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
EDIT_WORDS = ("expected", "likely")  # the closing paragraph always has one of them

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

# Syllables for invented names: invented so that no name is an English word
# and none collides with another entity (checked below).
_ONSETS = (
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "dr",
    "gr",
    "kr",
    "tr",
    "sh",
    "kh",
    "th",
    "ch",
)
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "sh", "t", "k")
_COUNTRY_ENDINGS = ("ia", "ova", "istan", "ar", "enia", "onia", "ea", "and", "esh", "ir")

# First names with their usual transliteration variants (Sergey/Sergei).
_FIRST_NAMES: tuple[tuple[str, ...], ...] = (
    ("Sergey", "Sergei"),
    ("Mohammed", "Muhammad", "Mohamed"),
    ("Hussein", "Hussain"),
    ("Yusuf", "Youssef"),
    ("Ahmed", "Ahmad"),
    ("Ali",),
    ("Omar", "Umar"),
    ("Khalid", "Khaled"),
    ("Abdullah", "Abdallah"),
    ("Hassan", "Hasan"),
    ("Ibrahim", "Ebrahim"),
    ("Mustafa", "Mostafa"),
    ("Yevgeny", "Evgeny"),
    ("Dmitry", "Dmitri"),
    ("Alexei", "Alexey"),
    ("Andrei", "Andrey"),
    ("Yuri", "Yury"),
    ("Nikolai", "Nikolay"),
    ("Olena", "Elena"),
    ("Tatyana", "Tatiana"),
    ("Wang",),
    ("Li",),
    ("Zhang",),
    ("Chen",),
    ("Liu",),
    ("Retno",),
    ("Budi",),
    ("Siti",),
    ("Fatima", "Fatma"),
    ("Aisha", "Ayesha"),
    ("Layla", "Leila"),
    ("Mariam", "Maryam"),
    ("Nadia", "Nadiya"),
    ("Samir", "Sameer"),
    ("Tariq", "Tarek"),
    ("Walid", "Waleed"),
    ("Jean",),
    ("Pierre",),
    ("Marie",),
    ("Anna",),
    ("Maria",),
    ("Elena",),
    ("Carlos",),
    ("Ana",),
    ("Luis",),
    ("Sofia",),
    ("Jorge",),
    ("Paulo",),
    ("Kwame",),
    ("Amara",),
    ("Chidi",),
    ("Ngozi",),
    ("Thabo",),
    ("Zanele",),
    ("Ravi",),
    ("Priya",),
    ("Arjun",),
    ("Sunita",),
    ("Kenji",),
    ("Yuki",),
    ("Hiroshi",),
    ("Min-jun", "Minjun"),
    ("Ji-woo", "Jiwoo"),
    ("Oksana",),
    ("Bogdan",),
    ("Milan",),
    ("Ivana",),
    ("Tomas", "Thomas"),
    ("Katarina",),
    ("Emine",),
    ("Mehmet", "Mehmed"),
    ("Ayse", "Ayshe"),
    ("Reza",),
    ("Farid", "Fareed"),
    ("Javad",),
    ("Parisa",),
    ("Nurlan",),
    ("Aigul",),
    ("Rustam",),
    ("Dilnoza",),
)
# Surname spelling variants: applied to make an alias (Shoukry/Shoukri).
_SURNAME_VARIANTS: tuple[tuple[str, str], ...] = (
    ("ou", "u"),
    ("sh", "ch"),
    ("k", "q"),
    ("i", "y"),
    ("ai", "ay"),
    ("ee", "i"),
    ("v", "w"),
    ("e", "a"),
    ("o", "u"),
    ("a", "e"),
)
_ROLES = (
    "Foreign Minister",
    "Foreign Minister",
    "Foreign Minister",
    "Prime Minister",
    "President",
    "Defence Minister",
    "Trade Minister",
    "Finance Minister",
    "Energy Minister",
    "Deputy Foreign Minister",
    "Interior Minister",
    "Minister of State",
)
_AGENCIES = (
    ("Meridian News Agency", "MNA"),
    ("Continental Press", "CP"),
    ("Global Wire", "GW"),
    ("Atlas News Service", "ANS"),
    ("Horizon Press Agency", "HPA"),
    ("Crescent News", "CN"),
)
_TOPICS = (
    "grain exports",
    "border security",
    "energy prices",
    "a ceasefire",
    "refugee returns",
    "fisheries rights",
    "debt relief",
    "water sharing",
    "a prisoner exchange",
    "humanitarian corridors",
    "rail links",
    "visa rules",
    "port access",
    "arms control",
    "customs tariffs",
    "nuclear safety",
    "pipeline transit",
    "election monitoring",
    "climate finance",
    "maritime boundaries",
    "counterterrorism cooperation",
    "public health cooperation",
    "student exchanges",
    "air traffic rights",
)
_HEADLINE_VERBS = (
    "discuss",
    "hold talks on",
    "seek deal on",
    "agree to resume talks on",
    "clash over",
    "pledge cooperation on",
    "sign accord on",
    "narrow differences on",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_OUTCOMES = (
    "agreed to set up a joint working group",
    "signed a memorandum of understanding",
    "issued a joint statement",
    "agreed to meet again within three months",
    "failed to agree on a final text",
    "announced a new credit line",
    "agreed to reopen a border crossing",
    "promised to exchange technical data",
)
_QUOTE_SENTENCES = (
    "We have agreed that dialogue is the only way forward",
    "Our countries share a responsibility for stability in the region",
    "There can be no lasting solution without the consent of the people concerned",
    "We will not accept any attempt to change the situation by force",
    "The talks were frank, and at times difficult, but useful",
    "We expect concrete steps, not only declarations",
    "This is a first step, and more work lies ahead",
    "Our door remains open to all parties who want peace",
    "We call on the international community to act without delay",
    "Trade between our countries can double within five years",
    "Nobody benefits from a prolonged crisis",
    "We are ready to help, but the parties must take the decisions",
)
_ATTRIBUTIONS = (
    "told reporters after the meeting",
    "said at a joint news conference",
    "said in a statement",
    "told state television",
    "wrote on social media",
    "told a briefing later in the day",
)
_FILLER: tuple[str, ...] = (
    "Officials said the {topic} question had dominated the agenda for several months.",
    "Diplomats familiar with the talks said both delegations had come with detailed proposals.",
    "The meeting followed weeks of preparatory contacts between senior officials.",
    "Analysts said the talks could ease tensions that have weighed on regional trade.",
    "Trade between the two countries reached {money} last year, according to official data.",
    "The ministry said the delegations also discussed {topic2} and {topic3}.",
    "Neither side gave details of a timetable for implementing the measures.",
    "Observers noted that the previous round of talks had ended without a joint statement.",
    "The {dem} side raised concerns about {topic2}, according to a ministry readout.",
    "Relations between {c1} and {c2} have improved since a framework agreement in {year}.",
    "A spokesperson for the {dem} government described the atmosphere as constructive.",
    "Several non-governmental organisations urged the delegations to put civilians first.",
    "Markets in the region were little changed after the announcement.",
    "The talks came days after a similar meeting between officials of {c1} and {c3}.",
    "About {pct} percent of the region's {topic_noun} passes through {c1}, officials estimate.",
    "Both ministries said technical teams would meet in the coming weeks to draft a text.",
    "Opposition lawmakers in {c2} criticised the talks as premature.",
    "The {dem} parliament is expected to debate the proposals before the end of the session.",
    "Earlier this year, {c3} offered to mediate between the parties.",
    "The United Nations welcomed the meeting and called for sustained engagement.",
    "The {dem} delegation included deputy ministers responsible for {topic2} and {topic3}.",
    "Local media reported that security around the venue had been tightened.",
    "The two governments last held talks at this level in {year}.",
    "Economists estimate that disruption to {topic_noun} has cost the region {money}.",
    "Critics say previous agreements on {topic2} were never fully implemented.",
    "The foreign ministry of {c3} said it was following the talks closely.",
    "Preparations for the visit had been kept secret until the last moment.",
    "Human rights groups called for any agreement to include independent monitoring.",
    "The {dem} president is due to travel to {c3} next month.",
    "An earlier draft of the joint statement was rejected by {c2}, diplomats said.",
    "Officials in {c1} declined to comment on reports of a side agreement on {topic2}.",
    "Trade unions in {c2} have warned that the deal could cost jobs in the port sector.",
    "Both governments face elections within the next eighteen months.",
    "The talks lasted nearly five hours, longer than scheduled, a participant said.",
    "A regional development bank has offered {money} to fund projects agreed at the talks.",
)
_TOPIC_NOUNS = ("oil exports", "grain shipments", "container traffic", "gas transit", "trade")


def _words_count(text: str) -> int:
    return len(text.split())


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _match_key(name: str) -> str:
    # How dossier compares names, roughly: case-insensitive, "al-" ignored.
    return re.sub(r"\b(?:al|el)[- ]", "", name.lower())


# --------------------------------------------------------------------------
# Entities
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    slug: str
    name: str
    alias: str
    demonym: str
    capital: str


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    first: str
    surname: str
    aliases: tuple[str, ...]
    country: Country
    role: str


@dataclass(frozen=True)
class Article:
    id: str
    date: dt.date
    title: str
    paragraphs: tuple[str, ...]
    people: tuple[Person, ...]
    countries: tuple[Country, ...]
    place: str  # the dateline city, the capital of the host's country
    # Verbatim phrases written into the paragraphs, used as citations.
    intros: tuple[tuple[Person, str], ...]  # (person, "Foreign Minister Anna Koveli")
    meeting_quote: str
    outcome: str


@dataclass
class Corpus:
    seed: int
    countries: list[Country]
    people: list[Person]
    articles: list[Article] = field(default_factory=list)


class _Names:
    """Invents words that are unique across all entities of one corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()  # membership only, never iterated

    def syllable(self) -> str:
        r = self.rng
        return r.choice(_ONSETS) + r.choice(_VOWELS) + r.choice(_CODAS)

    def claim(self, *names: str) -> bool:
        keys = [_match_key(n) for n in names]
        if any(k in self.used for k in keys) or len(set(keys)) != len(keys):
            return False
        self.used.update(keys)
        return True

    def word(self, syllables: int, ending: str = "") -> str:
        while True:
            stem = "".join(self.syllable() for _ in range(syllables))
            if ending and stem[-1] in "aeiou" and ending[0] in "aeiou":
                stem = stem[:-1]
            w = (stem + ending).capitalize()
            if self.claim(w):
                return w


def _demonym(name: str) -> str:
    for end, dem in (
        ("istan", "istani"),
        ("ia", "ian"),
        ("ea", "ean"),
        ("and", "andic"),
        ("esh", "eshi"),
        ("ir", "iri"),
        ("ova", "ovan"),
        ("ar", "ari"),
    ):
        if name.endswith(end):
            return name[: -len(end)] + dem
    return name + "ian"


def make_countries(names: _Names, count: int) -> list[Country]:
    rng = names.rng
    countries: list[Country] = []
    while len(countries) < count:
        name = names.word(2, rng.choice(_COUNTRY_ENDINGS))
        demonym = _demonym(name)
        alias = f"Republic of {name}"
        capital = names.word(2)
        if rng.random() < 0.2:
            capital = f"Port {capital}"
        if not names.claim(demonym, alias):
            continue
        countries.append(Country(slugify(name), name, alias, demonym, capital))
    return countries


def _surname_variant(rng: random.Random, surname: str) -> str | None:
    rules = [r for r in _SURNAME_VARIANTS if r[0] in surname.lower()]
    if not rules:
        return None
    old, new = rng.choice(rules)
    low = surname.lower()
    i = low.find(old)
    variant = low[:i] + new + low[i + len(old) :]
    # "Trekusmou" -> "Trekusmuu" reads like a typo, not a transliteration.
    if re.search(r"([aeiou])\1", variant) and not re.search(r"([aeiou])\1", low):
        return None
    return variant.capitalize()


def make_people(names: _Names, count: int, countries: list[Country]) -> list[Person]:
    rng = names.rng
    people: list[Person] = []
    while len(people) < count:
        first_forms = rng.choice(_FIRST_NAMES)
        first = first_forms[0]
        surname = names.word(rng.choice((2, 2, 3)))
        name = f"{first} {surname}"
        # 1-2 spelling variants: of the first name where it has one, else of the surname.
        candidates: list[str] = [f"{v} {surname}" for v in first_forms[1:]]
        variant = _surname_variant(rng, surname)
        if variant:
            candidates.append(f"{first} {variant}")
        rng.shuffle(candidates)
        aliases = tuple(candidates[: rng.choice((1, 2))])
        if not aliases or not names.claim(name, *aliases):
            continue
        country = countries[len(people) % len(countries)]  # ~equal people per country
        people.append(
            Person(slugify(name), name, first, surname, aliases, country, rng.choice(_ROLES))
        )
    return people


# --------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------


def _article_date(rng: random.Random, index: int, size: int) -> dt.date:
    span = (LAST_DAY - FIRST_DAY).days
    base = FIRST_DAY + dt.timedelta(days=span * index // max(size, 1))
    return min(LAST_DAY, base + dt.timedelta(days=rng.randrange(3)))


def _money(rng: random.Random) -> str:
    return f"${rng.randrange(1, 40)}.{rng.randrange(10)} billion"


def make_article(
    rng: random.Random,
    article_id: str,
    date: dt.date,
    corpus: Corpus,
    by_country: dict[str, list[Person]],
) -> Article:
    countries = rng.sample(corpus.countries, rng.choice((2, 2, 3, 4)))
    pool = [p for c in countries for p in by_country[c.slug]]
    people = rng.sample(pool, min(len(pool), rng.choice((2, 3, 3, 4, 5))))
    host, guest = people[0], people[1]
    capital = host.country.capital
    agency, short = rng.choice(_AGENCIES)
    topic = rng.choice(_TOPICS)

    # How each person is written the first time: the name or a spelling variant.
    written: dict[str, str] = {}
    for p in people:
        written[p.slug] = rng.choice(p.aliases) if rng.random() < 0.25 else p.name

    def intro(p: Person) -> str:
        return f"{p.role} {written[p.slug]}"

    def surname(p: Person) -> str:
        return written[p.slug].split(" ", 1)[1]

    weekday = _WEEKDAYS[date.weekday()]
    meeting_quote = f"{intro(host)} hosted {guest.country.demonym} {intro(guest)} in {capital}"
    outcome = rng.choice(_OUTCOMES)
    lede = (
        f"{capital.upper()}, {_MONTHS[date.month - 1]} {date.day} ({short}) - "
        f"{host.country.demonym} {meeting_quote} on {weekday} for talks on {topic}, "
        f"the {host.country.demonym} foreign ministry said."
    )
    paragraphs = [lede]
    others = people[2:]
    if others:
        joined = ", ".join(f"{o.country.demonym} {intro(o)}" for o in others)
        paragraphs.append(
            f"They were joined by {joined}, who {'were' if len(others) > 1 else 'was'} "
            f"in {capital} for a wider regional meeting. The two sides {outcome}."
        )
    else:
        paragraphs.append(f"The two sides {outcome}, officials in {capital} said.")

    slots: dict[str, Callable[[], str]] = {
        "topic": lambda: topic,
        "topic2": lambda: side_topics[0],
        "topic3": lambda: side_topics[1],
        "topic_noun": lambda: rng.choice(_TOPIC_NOUNS),
        "money": lambda: _money(rng),
        "dem": lambda: rng.choice(countries).demonym,
        "c1": lambda: countries[0].name,
        "c2": lambda: countries[1].name,
        "c3": lambda: rng.choice(corpus.countries).name,
        "year": lambda: str(date.year - rng.randrange(1, 12)),
        "pct": lambda: str(rng.randrange(5, 60)),
    }

    side_topics = rng.sample([t for t in _TOPICS if t != topic], 2)
    deck: list[str] = []

    def filler() -> str:
        # Deal templates from a shuffled deck: no sentence repeats until all were used.
        if not deck:
            deck.extend(rng.sample(_FILLER, len(_FILLER)))
        template = deck.pop()
        return re.sub(r"\{(\w+)\}", lambda m: slots[m[1]](), template)

    def quote_paragraph() -> str:
        speaker = rng.choice(people)
        q = rng.choice(_QUOTE_SENTENCES)
        extra = filler()
        if rng.random() < 0.5:
            return f'"{q}," {surname(speaker)} {rng.choice(_ATTRIBUTIONS)}. {extra}'
        return f'{surname(speaker)} said: "{q}." {extra} {filler()}'

    target = rng.randrange(WORDS_MIN, WORDS_MAX)
    closing = (
        f"Further talks are {rng.choice(EDIT_WORDS)} later this year, "
        f"the {rng.choice(countries).demonym} side said, according to {agency}."
    )
    words = sum(_words_count(p) for p in paragraphs) + _words_count(closing)
    while words < target:
        kind = rng.random()
        if kind < 0.35:
            para = quote_paragraph()
        elif kind < 0.45 and len(countries) > 2:
            c = countries[2]
            para = (
                f"The {c.alias}, which is not party to the talks, said it supported "
                f"efforts on {rng.choice(_TOPICS)}. {filler()}"
            )
        else:
            para = " ".join(filler() for _ in range(rng.choice((2, 3))))
        paragraphs.append(para)
        words += _words_count(para)
    paragraphs.append(closing)

    title = f"{host.country.name} and {guest.country.name} {rng.choice(_HEADLINE_VERBS)} {topic}"
    return Article(
        id=article_id,
        date=date,
        title=title,
        paragraphs=tuple(paragraphs),
        people=tuple(people),
        countries=tuple(countries),
        place=capital,
        intros=tuple((p, intro(p)) for p in people),
        meeting_quote=meeting_quote,
        outcome=outcome,
    )


def _article_id(rng: random.Random, index: int) -> str:
    return f"{index:06d}_{rng.getrandbits(64):016x}"


def _people_by_country(corpus: Corpus) -> dict[str, list[Person]]:
    by_country: dict[str, list[Person]] = {c.slug: [] for c in corpus.countries}
    for p in corpus.people:
        by_country[p.country.slug].append(p)
    return by_country


def generate(size: int, seed: int = 1) -> Corpus:
    """The whole corpus in memory: entities first, then articles in order."""
    rng = random.Random(seed)
    names = _Names(rng)
    n_countries = MAX_COUNTRIES if size >= 1000 else max(2, min(MAX_COUNTRIES, size))
    n_people = MAX_PEOPLE if size >= 1000 else max(4, min(MAX_PEOPLE, size * 2))
    countries = make_countries(names, n_countries)
    corpus = Corpus(seed, countries, make_people(names, n_people, countries))
    by_country = _people_by_country(corpus)
    for i in range(size):
        date = _article_date(rng, i, size)
        corpus.articles.append(make_article(rng, _article_id(rng, i), date, corpus, by_country))
    return corpus


def extra_article(corpus: Corpus, number: int) -> Article:
    """The ``number``-th article added after generation (the benchmark's 'add' case)."""
    rng = random.Random(f"{corpus.seed}-extra-{number}")
    index = len(corpus.articles) + number
    return make_article(rng, _article_id(rng, index), LAST_DAY, corpus, _people_by_country(corpus))


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def _yaml_str(value: str) -> str:
    # JSON strings are valid YAML and need no thought about quoting rules.
    return json.dumps(value, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def dossier_seed(article: Article) -> str:
    # The scraper's " date YYYY-MM-DD " header runs into the first line (the title).
    body = "\n\n".join(article.paragraphs)
    return f" date {article.date.isoformat()} {article.title}\n\n{body}\n"


def _cite(source: str, quote: str, indent: str) -> str:
    return f"{indent}cite:\n{indent}  - source: {source}\n{indent}    quote: {_yaml_str(quote)}\n"


def write_dossier(corpus: Corpus, root: Path) -> None:
    _write(
        root / "site.yaml",
        "title: Benchmark corpus\n"
        "description: Synthetic news articles for benchmarking.\n"
        "base_url: https://example.org/bench/\nlanguage: en\noutput: _site\n",
    )
    for c in corpus.countries:
        _write(
            root / "content" / "countries" / f"{c.slug}.yaml",
            f"name: {_yaml_str(c.name)}\naliases:\n  - {_yaml_str(c.alias)}\n"
            f"demonyms:\n  - {_yaml_str(c.demonym)}\ncapital: {_yaml_str(c.capital)}\n",
        )
    # A person's position is cited from the first article that introduces them.
    first_intro: dict[str, tuple[str, str]] = {}
    for a in corpus.articles:
        for p, phrase in a.intros:
            first_intro.setdefault(p.slug, (a.id, phrase))
    for p in corpus.people:
        aliases = "".join(f"  - {_yaml_str(al)}\n" for al in p.aliases)
        # Only a position that some article attests (dossier warns about uncited facts).
        position = ""
        if p.slug in first_intro:
            position = f"positions:\n  - title: {_yaml_str(p.role)}\n    of: {p.country.slug}\n"
            position += _cite(*first_intro[p.slug], indent="    ")
        _write(
            root / "content" / "people" / f"{p.slug}.yaml",
            f"name: {_yaml_str(p.name)}\naliases:\n{aliases}country: {p.country.slug}\n" + position,
        )
    for i, a in enumerate(corpus.articles):
        if i % MEETING_EVERY:
            continue
        host, guest = a.people[0], a.people[1]
        intros = dict((p.slug, phrase) for p, phrase in a.intros)

        def party(p: Person, a: Article = a, intros: dict[str, str] = intros) -> str:
            return (
                f"  - person: {p.slug}\n    country: {p.country.slug}\n"
                f"    role: {_yaml_str(p.role)}\n" + _cite(a.id, intros[p.slug], "    ")
            )

        participants = "".join(party(p) for p in a.people[1:])
        _write(
            root / "content" / "meetings" / f"{host.slug}-{a.date.isoformat()}-{i}.yaml",
            f"title: {_yaml_str(f'{host.name} meets {guest.name} in {a.place}')}\n"
            "kind: talks\n"
            f"date:\n  value: {a.date.isoformat()}\n  basis: dateline\n"
            + _cite(a.id, a.meeting_quote, "  ")
            + f"place:\n  name: {_yaml_str(a.place)}\n  country: {host.country.slug}\n"
            + _cite(a.id, a.meeting_quote, "  ")
            + "hosts:\n"
            + party(host)
            + "participants:\n"
            + participants
            + f"outcomes:\n  - text: {_yaml_str('The two sides ' + a.outcome + '.')}\n"
            + _cite(a.id, f"The two sides {a.outcome}", "    ")
            + _cite(a.id, a.meeting_quote, ""),
        )
    for a in corpus.articles:
        _write(root / "seeds" / f"{a.id}.txt", dossier_seed(a))


HUGO_CONFIG = """\
baseURL = "https://example.org/bench/"
title = "Benchmark corpus"
languageCode = "en"
disableKinds = ["sitemap", "robotsTXT"]

[taxonomies]
person = "people"
country = "countries"

# One feed, as dossier and Pelican write; Hugo would otherwise write one per list page.
[outputs]
home = ["html", "rss"]
section = ["html"]
taxonomy = ["html"]
term = ["html"]
"""

HUGO_LAYOUTS: dict[str, str] = {
    "baseof.html": """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ block "title" . }}{{ .Title }} | {{ site.Title }}{{ end }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><a href="{{ "articles/" | relURL }}">Articles</a> <a href="{{ "people/" | relURL }}">People</a>
<a href="{{ "countries/" | relURL }}">Countries</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "home.html": """\
{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul>{{ range first 20 (where site.RegularPages "Section" "articles").ByDate.Reverse }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ end }}
""",
    "page.html": """\
{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time></p>
{{ .Content }}
<p>People: {{ range .GetTerms "people" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p>Countries: {{ range .GetTerms "countries" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
</article>{{ end }}
""",
    "section.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages.ByDate.Reverse }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages.ByTitle }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> ({{ len .Pages }})</li>{{ end }}</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages.ByDate.Reverse }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ end }}
""",
}

STYLE_CSS = "body { font-family: sans-serif; max-width: 50rem; margin: auto; }\n"


def hugo_article(article: Article) -> str:
    front = {
        "title": article.title,
        "date": article.date.isoformat(),
        "slug": article.id,
        "people": [p.name for p in article.people],
        "countries": [c.name for c in article.countries],
    }
    # JSON front matter: exact, and no YAML quoting surprises.
    body = "\n\n".join(article.paragraphs)
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + body + "\n"


def write_hugo(corpus: Corpus, root: Path) -> None:
    _write(root / "hugo.toml", HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        _write(root / "layouts" / name, text)
    _write(root / "static" / "style.css", STYLE_CSS)
    _write(root / "content" / "articles" / "_index.md", '{"title": "Articles"}\n')
    for a in corpus.articles:
        _write(root / "content" / "articles" / f"{a.id}.md", hugo_article(a))


PELICAN_CONF = """\
# Pelican settings for the benchmark corpus: people are tags, countries are
# authors (Pelican's built-in many-valued taxonomies that get their own pages).
import os

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "content")
OUTPUT_PATH = os.path.join(HERE, "output")
THEME = os.path.join(HERE, "theme")
SITENAME = "Benchmark corpus"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = False
RELATIVE_URLS = True

# A warm run reads articles back from Pelican's content cache.
CACHE_PATH = os.path.join(HERE, "cache")
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"

ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
TAG_URL = "people/{slug}/"
TAG_SAVE_AS = "people/{slug}/index.html"
TAGS_SAVE_AS = "people/index.html"
AUTHOR_URL = "countries/{slug}/"
AUTHOR_SAVE_AS = "countries/{slug}/index.html"
AUTHORS_SAVE_AS = "countries/index.html"
ARCHIVES_SAVE_AS = "articles/index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "authors", "archives"]
PAGE_PATHS = []
STATIC_PATHS = []

# One feed, as dossier and Hugo write.
FEED_DOMAIN = "https://example.org/bench"
FEED_ALL_ATOM = "feed.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
"""

PELICAN_TEMPLATES: dict[str, str] = {
    "base.html": """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{% block title %}{{ SITENAME }}{% endblock %}</title>
<link rel="stylesheet" href="{{ SITEURL }}/theme/style.css"></head>
<body><header><a href="{{ SITEURL }}/">{{ SITENAME }}</a>
<nav><a href="{{ SITEURL }}/articles/">Articles</a> <a href="{{ SITEURL }}/people/">People</a>
<a href="{{ SITEURL }}/countries/">Countries</a></nav></header>
<main>{% block content %}{% endblock %}</main></body></html>
""",
    "index.html": """\
{% extends "base.html" %}{% block content %}<h1>{{ SITENAME }}</h1>
<ul>{% for a in articles[:20] %}
<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> {{ a.date.strftime("%Y-%m-%d") }}</li>{% endfor %}</ul>
{% endblock %}
""",
    "article.html": """\
{% extends "base.html" %}{% block title %}{{ article.title }} | {{ SITENAME }}{% endblock %}
{% block content %}<article><h1>{{ article.title }}</h1>
<p><time>{{ article.date.strftime("%Y-%m-%d") }}</time></p>
{{ article.content }}
<p>People: {% for t in article.tags %}<a href="{{ SITEURL }}/{{ t.url }}">{{ t }}</a> {% endfor %}</p>
<p>Countries: {% for c in article.authors %}<a href="{{ SITEURL }}/{{ c.url }}">{{ c }}</a> {% endfor %}</p>
</article>{% endblock %}
""",
    "archives.html": """\
{% extends "base.html" %}{% block content %}<h1>Articles</h1>
<ul>{% for a in dates %}
<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> {{ a.date.strftime("%Y-%m-%d") }}</li>{% endfor %}</ul>
{% endblock %}
""",
    "tags.html": """\
{% extends "base.html" %}{% block content %}<h1>People</h1>
<ul>{% for tag, arts in tags|sort %}
<li><a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a> ({{ arts|count }})</li>{% endfor %}</ul>
{% endblock %}
""",
    "authors.html": """\
{% extends "base.html" %}{% block content %}<h1>Countries</h1>
<ul>{% for author, arts in authors|sort %}
<li><a href="{{ SITEURL }}/{{ author.url }}">{{ author }}</a> ({{ arts|count }})</li>{% endfor %}</ul>
{% endblock %}
""",
    "tag.html": """\
{% extends "base.html" %}{% block content %}<h1>{{ tag }}</h1>
<ul>{% for a in articles %}
<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> {{ a.date.strftime("%Y-%m-%d") }}</li>{% endfor %}</ul>
{% endblock %}
""",
    "author.html": """\
{% extends "base.html" %}{% block content %}<h1>{{ author }}</h1>
<ul>{% for a in articles %}
<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> {{ a.date.strftime("%Y-%m-%d") }}</li>{% endfor %}</ul>
{% endblock %}
""",
    # Required by Pelican's generators even though nothing uses them here.
    "category.html": '{% extends "base.html" %}{% block content %}{{ category }}{% endblock %}\n',
    "categories.html": '{% extends "base.html" %}{% block content %}{% endblock %}\n',
    "page.html": '{% extends "base.html" %}{% block content %}{{ page.content }}{% endblock %}\n',
    "period_archives.html": '{% extends "base.html" %}{% block content %}{% endblock %}\n',
}


def pelican_article(article: Article) -> str:
    meta = [
        f"Title: {article.title}",
        f"Date: {article.date.isoformat()}",
        f"Slug: {article.id}",
        "Category: articles",
        "Tags: " + ", ".join(p.name for p in article.people),
        "Authors: " + ", ".join(c.name for c in article.countries),
    ]
    return "\n".join(meta) + "\n\n" + "\n\n".join(article.paragraphs) + "\n"


def write_pelican(corpus: Corpus, root: Path) -> None:
    _write(root / "pelicanconf.py", PELICAN_CONF)
    for name, text in PELICAN_TEMPLATES.items():
        _write(root / "theme" / "templates" / name, text)
    _write(root / "theme" / "static" / "style.css", STYLE_CSS)
    for a in corpus.articles:
        _write(root / "content" / f"{a.id}.md", pelican_article(a))


def write_corpus(corpus: Corpus, out: Path) -> None:
    for name in ("dossier", "hugo", "pelican"):
        shutil.rmtree(out / name, ignore_errors=True)
    write_dossier(corpus, out / "dossier")
    write_hugo(corpus, out / "hugo")
    write_pelican(corpus, out / "pelican")


# --------------------------------------------------------------------------
# Changes made by the benchmark's edit and add cases
# --------------------------------------------------------------------------


def article_files(site: Path, tool: str, article_id: str) -> Path:
    """Where ``tool``'s copy of an article lives inside its site folder."""
    if tool == "dossier":
        return site / "seeds" / f"{article_id}.txt"
    if tool.startswith("hugo"):
        return site / "content" / "articles" / f"{article_id}.md"
    return site / "content" / f"{article_id}.md"


def edit_article(path: Path) -> None:
    """Change one word of the closing paragraph (never part of a citation)."""
    text = path.read_text(encoding="utf-8")
    a, b = EDIT_WORDS
    old, new = (a, b) if f"talks are {a} " in text else (b, a)
    path.write_text(text.replace(f"talks are {old} ", f"talks are {new} ", 1), encoding="utf-8")


def render_article(article: Article, tool: str) -> str:
    if tool == "dossier":
        return dossier_seed(article)
    if tool.startswith("hugo"):
        return hugo_article(article)
    return pelican_article(article)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.size < 2:
        parser.error("--size must be at least 2")
    corpus = generate(args.size, args.seed)
    write_corpus(corpus, args.out)
    words = sum(_words_count(p) for a in corpus.articles for p in a.paragraphs)
    print(
        f"{args.out}: {len(corpus.articles)} articles (~{words // len(corpus.articles)} words), "
        f"{len(corpus.people)} people, {len(corpus.countries)} countries, "
        f"{(len(corpus.articles) + MEETING_EVERY - 1) // MEETING_EVERY} meetings"
    )


if __name__ == "__main__":
    main()
