"""Tests for the article parser (generator/article.py), one group per seed article."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import article as art
from generator.article import Article, Field, Paragraph, Post, Quotation, parse_article

SEEDS = Path(__file__).parent.parent / "seeds"


@cache
def seed(prefix: str) -> Article:
    """Parse the seed whose file name starts with ``prefix`` (parsed once per run)."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return parse_article(path.read_text(encoding="utf-8"), path.stem)


def speakers(article: Article) -> list[tuple[str, str, str | None, str]]:
    """(paragraph, first words, speaker, basis) of every quotation."""
    return [
        (q.paragraph, " ".join(q.text.split()[:4]), q.speaker, q.speaker_basis)
        for q in article.quotations
    ]


def prose(article: Article) -> str:
    return "\n".join(p.text for p in article.paragraphs)


def assert_no_post_text_in_prose(article: Article) -> None:
    for post in article.posts:
        for part in post.text.split("\n\n"):
            assert part[:40] not in prose(article), part


# --------------------------------------------------------------------------
# 000: date header, no title, three embedded posts, "said:" blockquote
# --------------------------------------------------------------------------


def test_000_metadata() -> None:
    a = seed("000")
    assert a.id == "000_b28059a2c29d0bad"
    assert a.published == Field(dt.date(2023, 11, 21), "parsed", "from the date header")
    assert a.title.basis == "derived"
    assert a.title.value == (
        "Russian Foreign Minister Sergey Lavrov is holding talks today in Moscow with his "
        "counterparts from Arab and…"
    )
    assert len(a.title.value) <= 110
    assert a.outlet == Field()
    assert a.byline == Field()
    assert a.dateline_place == Field() and a.dateline_date == Field()
    assert a.credit is None
    assert a.language == "en"
    assert a.debris == ()


def test_000_blocks() -> None:
    a = seed("000")
    assert [b.id for b in a.blocks] == [
        "p1", "p2", "p3", "post1", "p4", "p5", "post2", "p6", "p7", "post3", "p8", "p9", "p10",
    ]  # fmt: skip
    assert len(a.paragraphs) == 10
    assert a.paragraphs[0].text.startswith("Russian Foreign Minister Sergey Lavrov is holding")
    assert "date 2023" not in prose(a)
    assert a.paragraphs[7].text == "Saudi’s Prince Faisal said:"
    assert a.paragraphs[8].kind == "blockquote"
    assert a.paragraphs[8].text.startswith("The message is clear: the war must stop")
    assert [p.kind for p in a.paragraphs].count("blockquote") == 1
    # The paragraph just before the Shen Shiwei post stays prose.
    assert a.paragraphs[6].text.startswith("“The international community must act urgently")
    # Curly quotes, apostrophes and dashes are kept as they are.
    assert "Israel’s genocidal war" in a.paragraphs[0].text


def test_000_posts() -> None:
    a = seed("000")
    assert [(p.id, p.author, p.handle, p.date, p.links) for p in a.posts] == [
        ("post1", "Egypt MFA Spokesperson", "MfaEgypt", dt.date(2023, 11, 21),
         ("pic.twitter.com/kKAQOV8FIl",)),
        ("post2", "Sprinter Monitor", "SpriterMonitor1", dt.date(2023, 11, 21),
         ("pic.twitter.com/2ngpSf5sg1",)),
        ("post3", "Shen Shiwei 沈诗伟", "shen_shiwei", dt.date(2023, 11, 20),
         ("pic.twitter.com/Q8Bgse4re1",)),
    ]  # fmt: skip
    egypt, sprinter, shen = a.posts
    assert egypt.text.startswith("Foreign ministers of the Ministerial Committee formed out")
    assert egypt.text.endswith("of Russia.@mfa_russia")
    assert sprinter.text.startswith("Negotiations between Lavrov and the foreign ministers")
    # The Shen Shiwei post spans four blocks, flag emoji and arrow kept.
    assert shen.text.split("\n\n") == [
        "🇨🇳China's top diplomat Wang Yi holds talks with the Delegation of "
        "#Arab–#Islamic Foreign Ministers in Beijing.",
        "My observation:",
        "➡️Why the delegation chose China as the first leg of their tour for "
        "international mediation matters?",
        "It shows deep trust in China and acknowledge China’s…",
    ]
    for post in a.posts:
        assert "pic.twitter.com" not in post.text
        assert "(@" not in post.text
    assert_no_post_text_in_prose(a)
    assert "pic.twitter.com" not in prose(a)
    assert "My observation" not in prose(a)


def test_000_quotations() -> None:
    assert speakers(seed("000")) == [
        ("p2", "A meeting of Russian", "Maria Zakharova", "stated"),
        ("p3", "They will arrive in", "Maria Zakharova", "pronoun"),
        ("p5", "a cautiously pro-Palestinian position", "Al Arabiya", "stated"),
        ("p7", "The international community must", "Wang", "stated"),
        ("p9", "The message is clear:", "Prince Faisal", "stated"),
        ("p10", "self-defence", None, "missing"),
    ]


def test_000_quotation_text_is_inner_text() -> None:
    q = seed("000").quotations
    assert q[0].text.endswith("scheduled to be held tomorrow in Moscow.")
    assert q[1].text.endswith("around the Gaza Strip")  # the comma before ” she said goes
    assert all(not t.text.startswith(("“", '"')) for t in q)
    assert all(not t.text.endswith(("”", '"')) for t in q)


# --------------------------------------------------------------------------
# 001: date header and a syndication credit
# --------------------------------------------------------------------------


def test_001_metadata() -> None:
    a = seed("001")
    assert a.published == Field(dt.date(2023, 11, 20), "parsed", "from the date header")
    assert a.credit == "MENAFN- Khaama Press"
    assert a.outlet.value == "Khaama Press" and a.outlet.basis == "parsed"
    assert a.title.basis == "derived"
    assert a.title.value == (
        "Russian Foreign Minister Sergei Lavrov is set to host a meeting in Moscow on Tuesday "
        "to address the ongoing…"
    )
    assert a.byline == Field()
    assert a.dateline_place == Field() and a.dateline_date == Field()


def test_001_blocks() -> None:
    a = seed("001")
    assert len(a.paragraphs) == 9 and a.posts == ()
    assert [p.id for p in a.paragraphs] == [f"p{i}" for i in range(1, 10)]
    assert a.paragraphs[0].text.startswith("Russian Foreign Minister Sergei Lavrov is set to")
    assert "MENAFN" not in prose(a) and "date 2023" not in prose(a)
    assert a.quotations == ()


# --------------------------------------------------------------------------
# 002: title line and a byline at the end
# --------------------------------------------------------------------------


def test_002_metadata() -> None:
    a = seed("002")
    assert a.title.basis == "parsed"
    assert a.title.value == (
        "Foreign Minister Sergey Lavrov’s meeting with a group of foreign ministers from Arab "
        "and Muslim countries and the Secretary General of the Organisation of Islamic Cooperation"
    )
    assert a.byline == Field("Andrei Balitskil", "parsed", "from the byline")
    assert a.published == Field() and a.outlet == Field() and a.credit is None
    assert a.dateline_place == Field() and a.dateline_date == Field()


def test_002_blocks() -> None:
    a = seed("002")
    assert len(a.paragraphs) == 6 and a.posts == ()
    assert all(p.kind == "prose" for p in a.paragraphs)
    assert a.paragraphs[0].text.startswith("On November 21, Foreign Minister Sergey Lavrov held")
    assert a.paragraphs[-1].text.startswith("The participants agreed to coordinate")
    assert "Balitskil" not in prose(a)
    assert a.title.value not in prose(a)
    assert a.quotations == ()


# --------------------------------------------------------------------------
# 003: title, a date-first dateline in the second paragraph
# --------------------------------------------------------------------------


def test_003_metadata() -> None:
    a = seed("003")
    assert a.title == Field(
        "China leads diplomatic push for immediate ceasefire in the Gaza strip",
        "parsed",
        "from the title line",
    )
    assert a.dateline_place.value == "Beijing" and a.dateline_place.basis == "parsed"
    assert a.dateline_date.value == dt.date(2023, 11, 21)
    assert a.dateline_date.basis == "parsed"
    assert a.published == Field() and a.outlet == Field() and a.byline == Field()


def test_003_blocks() -> None:
    a = seed("003")
    assert len(a.paragraphs) == 14 and a.posts == ()
    assert a.paragraphs[0].text.startswith("On 20th November 2023, a meeting took place")
    # The dateline is cut from its paragraph, the rest of the paragraph kept.
    assert a.paragraphs[1].text.startswith("China’s top diplomat, Wang Yi, called for")
    assert "21st November 2023" not in prose(a)
    assert "(Beijing)" not in prose(a)


def test_003_quotations() -> None:
    assert speakers(seed("003")) == [("p14", "window of legitimacy", None, "missing")]


# --------------------------------------------------------------------------
# 004: debris, title, standfirst, TASS dateline, straight quotes
# --------------------------------------------------------------------------


def test_004_metadata() -> None:
    a = seed("004")
    assert a.debris == ("All news",)
    assert a.title.value == (
        "Russia shares OIC, LAS assessments on need for ceasefire in Gaza — Lavrov"
    )
    assert a.title.basis == "parsed"
    assert a.outlet == Field("TASS", "parsed", "from the dateline")
    assert a.dateline_place == Field("Moscow", "parsed", "from the dateline")
    # "November 21" has no year and the article has no publication date.
    assert a.dateline_date.value is None and a.dateline_date.basis == "missing"
    assert "without a year" in a.dateline_date.note
    assert a.published == Field() and a.byline == Field() and a.credit is None


def test_004_blocks() -> None:
    a = seed("004")
    assert [(p.id, p.kind) for p in a.paragraphs] == [
        ("p1", "standfirst"), ("p2", "prose"), ("p3", "prose"), ("p4", "prose"), ("p5", "prose"),
    ]  # fmt: skip
    assert a.paragraphs[0].text.startswith("The top Russian diplomat pointed out in that")
    assert a.paragraphs[1].text.startswith("Russia shares the assessments of the Organization")
    assert "All news" not in prose(a)
    assert "/TASS/" not in prose(a) and "MOSCOW" not in prose(a)
    assert "[Abdel Fattah al-Sisi]" in a.paragraphs[2].text


def test_004_quotations() -> None:
    assert speakers(seed("004")) == [
        ("p3", "First of all, I", "Sergey Lavrov", "pronoun"),
        ("p4", "immediately after the beginning", "Lavrov", "stated"),
        ("p4", "Well, I, for my", "Lavrov", "descriptor"),
    ]


# --------------------------------------------------------------------------
# All seeds
# --------------------------------------------------------------------------

SEED_PREFIXES = ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_seed_ids_and_order(prefix: str) -> None:
    a = seed(prefix)
    ids = [b.id for b in a.blocks]
    assert len(ids) == len(set(ids))
    assert [p.id for p in a.paragraphs] == [f"p{i}" for i in range(1, len(a.paragraphs) + 1)]
    assert [p.id for p in a.posts] == [f"post{i}" for i in range(1, len(a.posts) + 1)]
    assert {q.paragraph for q in a.quotations} <= {p.id for p in a.paragraphs}
    for q in a.quotations:
        block = next(p for p in a.paragraphs if p.id == q.paragraph)
        assert q.text in block.text  # verbatim, so a citation of it can be checked


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_seed_prose_is_clean(prefix: str) -> None:
    a = seed(prefix)
    for p in a.paragraphs:
        assert p.text and p.text == " ".join(p.text.split())
    assert_no_post_text_in_prose(a)
    for leftover in [*a.debris, a.credit, a.byline.value]:
        if leftover:
            assert leftover not in prose(a)


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_crlf_and_bom_give_the_same_article(prefix: str) -> None:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    expected = parse_article(text, "x")
    assert parse_article("\ufeff" + text.replace("\n", "\r\n"), "x") == expected
    assert parse_article(text.replace("\n", "\r"), "x") == expected


# --------------------------------------------------------------------------
# Other forms seen in agency copy
# --------------------------------------------------------------------------


def test_xinhua_dateline_with_year_from_header() -> None:
    a = parse_article(
        " date 2023-11-20 BEIJING, Nov. 20 (Xinhua) -- Chinese Foreign Minister Wang Yi met "
        "the delegation on Monday.",
        "x",
    )
    assert a.dateline_place == Field("Beijing", "parsed", "from the dateline")
    assert a.dateline_date.value == dt.date(2023, 11, 20)
    assert a.dateline_date.basis == "derived"
    assert a.outlet.value == "Xinhua"
    assert a.paragraphs[0].text.startswith("Chinese Foreign Minister Wang Yi met")


def test_tass_dateline_year_from_publication() -> None:
    a = parse_article(" date 2023-11-22 MOSCOW, November 21. /TASS/. Lavrov spoke.", "x")
    assert a.dateline_date.value == dt.date(2023, 11, 21)
    assert a.dateline_date.basis == "derived"
    assert a.paragraphs[0].text == "Lavrov spoke."


def test_dateline_across_new_year() -> None:
    a = parse_article(" date 2024-01-01 MOSCOW, December 31. /TASS/. Lavrov spoke.", "x")
    assert a.dateline_date.value == dt.date(2023, 12, 31)


@pytest.mark.parametrize(
    ("text", "place", "outlet", "rest"),
    [
        ("LONDON (Reuters) - Britain said talks go on.", "London", "Reuters", "Britain said"),
        ("WASHINGTON, Nov 20 (Reuters) - Talks go on.", "Washington", "Reuters", "Talks go on."),
        ("LONDON: Talks go on.", "London", None, "Talks go on."),
        ("NEW YORK (AP) — Talks go on.", "New York", "AP", "Talks go on."),
        # Filed from two cities; a region after the city; a capital with a diacritic.
        ("NEW YORK/GENEVA, Nov 3 (Reuters) - Talks go on.", "New York/Geneva", "Reuters", "Talks"),
        (
            "RAMALLAH, West Bank, Nov 20 (Reuters) - Talks.",
            "Ramallah, West Bank",
            "Reuters",
            "Talks",
        ),
        ("ÇANAKKALE, Nov 20 (Reuters) - Talks go on.", "Çanakkale", "Reuters", "Talks go on."),
        # An agency between slashes, then a dash; the date not valid (noted, not a place).
        ("NEW YORK/GENEVA, 31 February 2024 /AFP/ - Talks.", "New York/Geneva", "AFP", "Talks."),
    ],
)
def test_agency_datelines(text: str, place: str, outlet: str | None, rest: str) -> None:
    a = parse_article(text, "x")
    assert a.dateline_place.value == place
    assert a.outlet.value == outlet
    assert a.paragraphs[0].text.startswith(rest)


def test_label_is_not_a_dateline() -> None:
    a = parse_article("UPDATE: talks go on.", "x")
    assert a.dateline_place == Field()
    assert a.paragraphs[0].text == "UPDATE: talks go on."


def test_byline_at_start_and_time_phrase_is_not_a_byline() -> None:
    a = parse_article("Talks in Moscow\n\nBy Jane Doe\n\nThe talks began.", "x")
    assert a.byline.value == "Jane Doe"
    assert [p.text for p in a.paragraphs] == ["The talks began."]
    b = parse_article("By Monday, the talks had ended.", "x")
    assert b.byline == Field() and len(b.paragraphs) == 1


@pytest.mark.parametrize("line", ["Share", "Read more", "Advertisement", "Share on Facebook"])
def test_navigation_debris(line: str) -> None:
    a = parse_article(f"First paragraph here.\n\n{line}\n\nSecond paragraph here.", "x")
    assert a.debris == (line,)
    assert [p.text for p in a.paragraphs] == ["First paragraph here.", "Second paragraph here."]


def test_inverted_attribution_and_unresolved_descriptor() -> None:
    a = parse_article('“It is urgent,” said Wang Yi. "We agree," the minister said.', "x")
    assert speakers(a) == [
        ("p1", "It is urgent", "Wang Yi", "stated"),
        ("p1", "We agree", "Wang Yi", "descriptor"),
    ]
    b = parse_article("“We agree,” she said.", "x")
    assert speakers(b) == [("p1", "We agree", None, "missing")]


# --------------------------------------------------------------------------
# Normalisation and robustness
# --------------------------------------------------------------------------


def test_normalisation() -> None:
    a = parse_article("\ufeffFirst\tline\r\nsame   block.\x00\x07\r\n\r\n\r\nNext\x0bblock.", "x")
    assert [p.text for p in a.paragraphs] == ["First line same block.", "Nextblock."]


def test_empty_input() -> None:
    for text in ["", "\n\n \n", "\ufeff", "\x00\x01"]:
        a = parse_article(text, "empty")
        assert a.id == "empty" and a.blocks == () and a.quotations == ()
        assert a.title.value is None and a.title.basis == "missing"


def test_invalid_header_date() -> None:
    a = parse_article(" date 2023-02-30 Talks began today.", "x")
    assert a.published.value is None and "invalid" in a.published.note
    assert a.paragraphs[0].text == "Talks began today."


FRAGMENTS = st.sampled_from(
    [" date 2023-11-21 ", "date 9999-99-99", "MOSCOW, November 21. /TASS/. ", "LONDON: ",
     "(MENAFN- X) ", "By Jane Doe", "All news", "\n\n", "\n", "\r\n", "\r", "“", "”", '"',
     "said:", " he said.", " the top diplomat emphasized", "Lavrov said", "pic.twitter.com/abc",
     " — Name (@handle) November 21, 2023", "🇨🇳", "➡️", "#tag", "@who", "?", ":", ". ",
     "21st November 2023 – (Beijing) ", "\x00", "\ufeff", "Nov. ", "Title line"]
)  # fmt: skip
ARTICLE_LIKE = st.lists(FRAGMENTS | st.text(max_size=12), max_size=30).map("".join)


def check_invariants(article: Article) -> None:
    ids = [b.id for b in article.blocks]
    assert len(ids) == len(set(ids))
    assert all(isinstance(b, Paragraph | Post) for b in article.blocks)
    assert {q.paragraph for q in article.quotations} <= set(ids)
    for p in article.paragraphs:
        assert p.text and "\n" not in p.text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    check_invariants(parse_article(text, "fuzz"))


@settings(max_examples=500, deadline=None)
@given(ARTICLE_LIKE)
def test_never_raises_on_article_like_text(text: str) -> None:
    article = parse_article(text, "fuzz")
    check_invariants(article)
    # Line-end style never changes the result.
    assert parse_article(text.replace("\r\n", "\n").replace("\r", "\n"), "fuzz") == article


# --------------------------------------------------------------------------
# Styles the seeds do not have (issue 6): other agencies' datelines, press
# releases, photo captions, single curly quotes, weekdays, garbled encodings
# --------------------------------------------------------------------------

XINHUA = """\
Chinese FM meets Arab, Islamic foreign ministers on Gaza conflict

BEIJING, Nov. 20 (Xinhua) -- Chinese Foreign Minister Wang Yi on Monday met with a delegation \
of foreign ministers from Arab and Islamic countries in Beijing.

Vice President Han Zheng also met with the delegation on Monday, according to Chinese \
Foreign Ministry spokesperson Mao Ning.
"""

REUTERS = """\
Arab, Muslim ministers urge Britain to back Gaza ceasefire

By Andrew MacAskill

LONDON, Nov 22 (Reuters) - Foreign ministers from Saudi Arabia and Jordan met British \
Foreign Secretary David Cameron in London on Wednesday, a day after talks in Moscow.

"The world must act now," Jordanian Foreign Minister Ayman Safadi told reporters.

Reporting by Andrew MacAskill; Editing by Alex Richardson
"""

GUARDIAN = """\
Arab ministers take Gaza plea to Paris as Macron hosts delegation

Foreign ministers say ‘the killing must stop’ after meetings in Beijing and Moscow

Jon Henley in Paris
Thu 23 Nov 2023 14.02 GMT

Prince Faisal bin Farhan, left, with Emmanuel Macron at the Élysée Palace on Wednesday. \
Photograph: Ludovic Marin/AFP/Getty Images

The French president, Emmanuel Macron, received the foreign ministers at the Élysée on \
Wednesday evening.

Jordan’s foreign minister, Ayman Safadi, said the message was simple: ‘the killing must stop \
now’. He said Europe’s response had been ‘too slow’.

(Photo by Ludovic Marin/AFP via Getty Images)

Image credit: Elysee Palace

Egypt’s Sameh Shoukry met Catherine Colonna separately. | Photo: Reuters
"""

RELEASE = """\
FOR IMMEDIATE RELEASE

Norway receives Arab-Islamic ministerial committee in Oslo

OSLO, 1 December 2023 – Minister of Foreign Affairs Espen Barth Eide received the committee \
in Oslo today. The ministers will meet again next Monday.

###
"""


def test_xinhua_dateline_without_a_year_says_the_date_is_missing() -> None:
    a = parse_article(XINHUA, "x")
    assert a.outlet == Field("Xinhua", "parsed", "from the dateline")
    assert a.dateline_place == Field("Beijing", "parsed", "from the dateline")
    assert a.dateline_date == Field(
        None,
        "missing",
        "the dateline gives Nov 20 without a year and the publication date is unknown",
    )
    assert a.paragraphs[0].text.startswith("Chinese Foreign Minister Wang Yi on Monday")
    # A weekday with nothing to count from is reported, not guessed.
    nothing = Field(None, "missing", "“on Monday”: no publication or dateline date to count from")
    assert [(r.text, r.paragraph, r.date) for r in a.relative_dates] == [
        ("on Monday", "p1", nothing),
        ("on Monday", "p2", nothing),
    ]


def test_xinhua_dateline_year_and_weekday_from_the_date_header() -> None:
    a = parse_article(" date 2023-11-21 " + XINHUA, "x")
    assert a.dateline_date == Field(
        dt.date(2023, 11, 20), "derived", "dateline day and month, year from the publication date"
    )
    assert a.relative_dates[0].date == Field(
        dt.date(2023, 11, 20),
        "derived",
        "the Monday on or before the publication date, Tuesday 2023-11-21",
    )


def test_reuters_dateline_byline_and_staff_credits() -> None:
    a = parse_article(REUTERS, "r")
    assert a.title.value == "Arab, Muslim ministers urge Britain to back Gaza ceasefire"
    assert a.byline == Field("Andrew MacAskill", "parsed", "from the byline")
    assert a.outlet == Field("Reuters", "parsed", "from the dateline")
    assert a.dateline_place.value == "London"
    assert a.debris == ("Reporting by Andrew MacAskill; Editing by Alex Richardson",)
    assert "Reporting by" not in prose(a)
    assert speakers(a) == [("p2", "The world must act", "Ayman Safadi", "stated")]


def test_guardian_captions_are_kept_apart_from_prose() -> None:
    a = parse_article(GUARDIAN, "g")
    assert [(p.id, p.kind) for p in a.paragraphs] == [
        ("p1", "standfirst"),
        ("p2", "caption"),
        ("p3", "prose"),
        ("p4", "prose"),
        ("p5", "caption"),
        ("p6", "caption"),
        ("p7", "caption"),
    ]
    assert a.paragraphs[6].text == (
        "Egypt’s Sameh Shoukry met Catherine Colonna separately. | Photo: Reuters"
    )


def test_guardian_byline_and_date_line() -> None:
    a = parse_article(GUARDIAN, "g")
    assert a.byline == Field("Jon Henley", "parsed", "from the line with the date")
    assert a.published == Field(dt.date(2023, 11, 23), "parsed", "from the date line")
    assert [(r.text, r.paragraph, r.date.value) for r in a.relative_dates] == [
        ("on Wednesday", "p3", dt.date(2023, 11, 22)),
    ]


def test_single_curly_quotes_are_quotations_apostrophes_are_not() -> None:
    a = parse_article(GUARDIAN, "g")
    assert [(q.paragraph, q.text, q.speaker, q.speaker_basis) for q in a.quotations] == [
        ("p1", "the killing must stop", None, "missing"),
        ("p4", "the killing must stop now", "Ayman Safadi", "stated"),
        ("p4", "too slow", "Ayman Safadi", "pronoun"),
    ]
    one = parse_article("He called it ‘Europe’s shame’ and left. It isn’t ‘over’.", "q")
    assert [q.text for q in one.quotations] == ["Europe’s shame", "over"]
    # An apostrophe alone never opens or closes a quotation.
    assert parse_article("The ministers’ tour and the ’90s.", "q").quotations == ()


def test_he_said_after_a_speaker_named_before_a_clause_between_commas() -> None:
    a = parse_article(
        "Ministers meet\n\n"
        'Turkish Foreign Minister Hakan Fidan spoke first. "We want a ceasefire," Fidan said.\n\n'
        "Saudi Foreign Minister Prince Faisal bin Farhan, who has headed the committee since "
        'its creation, said the group would travel again. "The world cannot look away," he '
        'said. Jordan\'s Ayman Safadi, speaking in Amman, told reporters the same. "Enough," '
        "he said.\n",
        "q",
    )
    assert [(q.text, q.speaker, q.speaker_basis) for q in a.quotations] == [
        ("We want a ceasefire", "Fidan", "stated"),
        ("The world cannot look away", "Prince Faisal bin Farhan", "pronoun"),
        ("Enough", "Ayman Safadi", "pronoun"),
    ]


def test_press_release_markers_and_day_month_year_dateline() -> None:
    a = parse_article(RELEASE, "pr")
    assert a.debris == ("FOR IMMEDIATE RELEASE", "###")
    assert a.title.value == "Norway receives Arab-Islamic ministerial committee in Oslo"
    assert a.dateline_place == Field("Oslo", "parsed", "from the dateline")
    assert a.dateline_date == Field(dt.date(2023, 12, 1), "parsed", "from the dateline")
    assert [(r.text, r.date) for r in a.relative_dates] == [
        (
            "next Monday",
            Field(
                dt.date(2023, 12, 4),
                "derived",
                "the Monday after the dateline's date, Friday 2023-12-01",
            ),
        )
    ]


def test_weekday_in_a_future_sentence_counts_forward() -> None:
    a = parse_article(" date 2023-11-20 Lavrov is set to host a meeting in Moscow on Tuesday.", "f")
    assert a.relative_dates[0].date == Field(
        dt.date(2023, 11, 21),
        "derived",
        "the Tuesday on or after the publication date, Monday 2023-11-20 "
        "(the sentence speaks of the future)",
    )
    last = parse_article(" date 2023-11-20 They met last Monday.", "l")
    assert last.relative_dates[0].date.value == dt.date(2023, 11, 13)


def test_seed_001_weekday_is_derived_from_its_date_header() -> None:
    (r,) = seed("001").relative_dates
    assert (r.text, r.paragraph, r.date.value, r.date.basis) == (
        "on Tuesday",
        "p1",
        dt.date(2023, 11, 21),
        "derived",
    )


def test_mojibake_is_repaired_only_when_the_whole_text_round_trips() -> None:
    # As a browser decodes UTF-8 bytes as Windows-1252 (its gaps, like 0x9d, as C1 controls).
    raw = "Lavrov’s talks in Moscow — “a step”.".encode()
    garbled = "".join(
        bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
        for b in raw
    )
    assert "â€" in garbled
    a = parse_article(garbled, "m")
    assert a.paragraphs[0].text == "Lavrov’s talks in Moscow — “a step”."
    assert a.notes == ("repaired double-encoded UTF-8 (mojibake such as 'â€™') in the whole text",)
    mixed = parse_article("Lavrovâ€™s talks with 王毅.", "m")
    assert mixed.paragraphs[0].text == "Lavrovâ€™s talks with 王毅."
    assert mixed.notes == (
        "the text looks double-encoded (e.g. 'â€™') but cannot be repaired as a whole; "
        "left as it is",
    )
    assert all(seed(p).notes == () for p in ("000", "001", "002", "003", "004"))


# --------------------------------------------------------------------------
# Fast paths (issue 7): each must give what the pattern it stands in for gives
# --------------------------------------------------------------------------

TRICKY = st.sampled_from(
    ["said", "says", "unsaid", "said-", "-said", "_said", "ésaid", "ſaid", "pointed  out",
     "points\nout", "emphasized", "Said", " ", "  ", "\t", "\n", "\xa0", "\u3000", "\u2028", ":",
     ":\n", "’s", "'s\n", "“", "”", "‘", "’", '"', "Photo: AP", "PİC: x", "ımage by y",
     "| Photograph: X", "(@MfaEgypt) November 21, 2023", " — ", "Monday", "Mondays", "on Monday",
     "last Friday", "-Sunday", "today", "the minister", "Lavrov", "al-Sisi", ". ", "x"]
)  # fmt: skip


def span(m: re.Match[str] | None) -> tuple[int, int] | None:
    return m.span() if m else None


@settings(max_examples=500, deadline=None)
@given(st.lists(TRICKY | st.text(max_size=3), max_size=12).map("".join))
def test_fast_paths_agree_with_their_patterns(text: str) -> None:
    assert art._collapse(text) == re.sub(r"\s+", " ", text).strip()
    assert art._verb_starts(text) == [m.start() for m in art._VERB_RE.finditer(text)]
    assert span(art._said_colon(text)) == span(art._SAID_COLON_RE.search(text))
    assert span(art._post_signature(text)) == span(art._POST_SIGNATURE_RE.search(text))
    assert art._is_caption_text(text) == bool(
        art._PHOTO_CREDIT_RE.match(text) or art._CAPTION_END_RE.search(text)
    )
    if "day" not in text or not art._WEEKDAY_NAME_RE.search(text):
        assert art._WEEKDAY_RE.search(text) is None


def test_unpickled_articles_are_equal_and_share_their_block_ids() -> None:
    """Articles come back from the workers and the cache pickled; a build holds one
    object per block id, kind and note across them (for its memory), and the articles
    are equal to those the parser made."""
    made = [seed(p) for p in ("000", "001", "002", "003", "004")]
    read = [pickle.loads(pickle.dumps(a, pickle.HIGHEST_PROTOCOL)) for a in made]
    assert read == made
    assert [type(b) for a in read for b in a.blocks] == [type(b) for a in made for b in a.blocks]
    first, second = (a.paragraphs[0].id for a in read[:2])
    assert first == second == "p1"
    assert first is second
    kinds = [p.kind for a in read for p in a.paragraphs]
    assert all(k is kinds[0] for k in kinds if k == kinds[0])
    notes = [a.published.note for a in read if a.published.note]
    assert len({id(n) for n in notes}) == len(set(notes))
    posts = [b for a in read for b in a.blocks if isinstance(b, Post)]
    assert posts and all(isinstance(p.links, tuple) for p in posts)


def test_an_articles_blocks_and_quotations_keep_their_text_exactly_through_the_cache() -> None:
    """An article keeps its paragraphs and quotations packed: any text, lone surrogates from
    undecodable bytes included, reads back as given, block by block, posts in their
    place, and a pickled article (as the cache and the workers send it) is equal to the
    one it was made from and prints the same."""
    text = "Lavrov \u0644\u0627\u0641\u0631\u0648\u0641 caf\u00e9 \udcff \U0001f600 end"
    post = Post("post1", "a post", "Author", "handle", None, ("https://x.test/1",))
    given = (
        Paragraph("p1", "First.", "standfirst"),
        post,
        Paragraph("p2", "", "prose"),
        Paragraph("p3", text, "blockquote"),
    )
    quotes = (
        Quotation(text, "p3", "Lavrov", "stated"),
        Quotation("", "p1"),
        Quotation("Peace.", "p3", "Lavrov", "pronoun"),
    )
    article = Article("a", blocks=given, quotations=quotes)
    again = pickle.loads(pickle.dumps(article, pickle.HIGHEST_PROTOCOL))
    for read in (article, again):
        assert read.blocks == given and tuple(read.blocks) == given and len(read.blocks) == 4
        assert read.blocks[3].text == text and read.blocks[3].kind == "blockquote"
        assert read.blocks[-1] == given[-1] and read.blocks[1] == post
        assert read.blocks[1:3] == given[1:3] and read.blocks[::-1] == given[::-1]
        assert [read.blocks.text(i) for i in range(4)] == ["First.", "a post", "", text]
        assert read.blocks.ids == ("p1", "post1", "p2", "p3") and read.posts == (post,)
        assert read.paragraphs == (given[0], given[2], given[3])
        with pytest.raises(IndexError):
            read.blocks[4]
        with pytest.raises(IndexError):
            read.blocks[-5]
        assert read.quotations == quotes and list(read.quotations) == list(quotes)
        assert read.quotations[0].text == text and read.quotations[1].speaker is None
        assert read.quotations[-1].speaker_basis == "pronoun" and read.quotations[1:] == quotes[1:]
        with pytest.raises(IndexError):
            read.quotations[3]
    assert again == article and hash(again) == hash(article)
    assert repr(again) == repr(article) and repr(again.blocks) == repr(given)
    assert repr(again.quotations) == repr(quotes) and again.quotations[0] is not quotes[0]
    assert Article("a", blocks=given, quotations=quotes[:2]) != article
    assert Article("a", blocks=given[:3], quotations=quotes) != article
    changed = Paragraph("p3", text[:-1], "blockquote")
    assert Article("a", blocks=(*given[:3], changed), quotations=quotes) != article
    assert Article("a", blocks=(*given[:3], Paragraph("p3", text)), quotations=quotes) != article
    para = pickle.loads(pickle.dumps(given[3], pickle.HIGHEST_PROTOCOL))
    assert para == given[3] and hash(para) == hash(given[3])
    assert repr(para) == f"Paragraph(id='p3', text={text!r}, kind='blockquote')"
