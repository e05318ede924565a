"""Entity mentions: one trie pass per article, every spelling, with the guards."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.article import Article, Field, Paragraph, Post, parse_article
from generator.mentions import (
    Matcher,
    Mention,
    NameEntry,
    ScanStats,
    UnknownName,
    build_matcher,
    find_mentions,
    find_unknown_names,
    normalise_name,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Entries as the model stage would make them from content/ (realistic fact sheets).
ENTRIES: tuple[NameEntry, ...] = (
    NameEntry("people", "sergey-lavrov", "Sergey Lavrov", ("Sergei Lavrov",)),
    NameEntry("people", "hissein-brahim-taha", "Hissein Brahim Taha", ("Hussein Ibrahim Taha",)),
    NameEntry("people", "sameh-shoukry", "Sameh Shoukry", ("Sameh Shoukri",)),
    NameEntry(
        "people",
        "faisal-bin-farhan",
        "Faisal bin Farhan Al Saud",
        ("Faisal Bin Farhan",),
        honorific="Prince",
    ),
    NameEntry("people", "riyad-al-maliki", "Riyad al-Maliki", ("Riyad Al-Maliki",)),
    NameEntry("people", "ayman-safadi", "Ayman Safadi"),
    NameEntry("people", "retno-marsudi", "Retno Marsudi"),
    NameEntry("people", "wang-yi", "Wang Yi", surname="Wang"),
    NameEntry("countries", "china", "China", demonyms=("Chinese",), capital="Beijing"),
    NameEntry("countries", "egypt", "Egypt", demonyms=("Egyptian",), capital="Cairo"),
    NameEntry("countries", "indonesia", "Indonesia", demonyms=("Indonesian",), capital="Jakarta"),
    NameEntry("countries", "jordan", "Jordan", demonyms=("Jordanian",), capital="Amman"),
    NameEntry("countries", "palestine", "Palestine", demonyms=("Palestinian",)),
    NameEntry("countries", "russia", "Russia", demonyms=("Russian",), capital="Moscow"),
    NameEntry("countries", "saudi-arabia", "Saudi Arabia", demonyms=("Saudi",), capital="Riyadh"),
    NameEntry("countries", "oman", "Oman", demonyms=("Omani",), capital="Muscat"),
    NameEntry("countries", "iran", "Iran", demonyms=("Iranian",), capital="Tehran"),
    NameEntry(
        "organizations", "arab-league", "League of Arab States", ("Arab League",), short="LAS"
    ),
    NameEntry(
        "organizations",
        "oic",
        "Organisation of Islamic Cooperation",
        ("Organization of Islamic Cooperation",),
        short="OIC",
    ),
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return build_matcher(ENTRIES)


def article(*texts: str, title: str | None = None) -> Article:
    """An article by hand: one paragraph per text, ids p1, p2, ..."""
    return Article(
        id="test",
        title=Field(title, "parsed") if title is not None else Field(),
        blocks=tuple(Paragraph(f"p{i}", t) for i, t in enumerate(texts, start=1)),
    )


def found(matcher: Matcher, *texts: str) -> list[tuple[str, str, str]]:
    """(slug, form, text) of every mention, in order."""
    return [(m.slug, m.form, m.text) for m in find_mentions(matcher, article(*texts))]


def slugs(matcher: Matcher, *texts: str) -> list[str]:
    return [m.slug for m in find_mentions(matcher, article(*texts))]


def seed(name_prefix: str) -> Article:
    (path,) = SEEDS.glob(f"{name_prefix}_*.txt")
    return parse_article(path.read_text(encoding="utf-8"), path.stem)


# --------------------------------------------------------------------------
# Spelling: case, diacritics, apostrophes, particles, honorifics
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sameh Shoukry arrived.",
        "SAMEH SHOUKRY arrived.",
        "sameh shoukry arrived.",
        "Sāmeh Shoukrý arrived.",
    ],
)
def test_case_and_diacritics_do_not_matter(matcher: Matcher, text: str) -> None:
    assert slugs(matcher, text) == ["sameh-shoukry"]


def test_diacritics_in_text_and_in_names_precomposed_or_not(matcher: Matcher) -> None:
    assert slugs(matcher, "Hisséin Brahim Taha spoke.") == ["hissein-brahim-taha"]
    decomposed = "Hisse\u0301in Brahim Taha spoke."
    (m,) = find_mentions(matcher, article(decomposed))
    assert m.slug == "hissein-brahim-taha"
    assert m.text == "Hisse\u0301in Brahim Taha"  # the original, combining mark kept
    accented = build_matcher([NameEntry("people", "x", "Hisséin Taha")])
    assert slugs(accented, "HISSEIN TAHA") == ["x"]


@pytest.mark.parametrize(
    "text",
    [
        "Arab-Islamic Summit",
        "Arab – Islamic Summit",
        "Arab–Islamic Summit",
        "Arab ‐ Islamic Summit",
    ],
)
def test_a_hyphen_or_en_dash_between_words_is_one_gap(text: str) -> None:
    m = build_matcher([NameEntry("meetings", "riyadh", "Joint Summit", ("Arab-Islamic Summit",))])
    assert found(m, f"The {text} met.") == [("riyadh", "alias", text)]


def test_a_record_named_inside_a_longer_name_of_another_is_a_mention_too() -> None:
    m = build_matcher(
        [
            NameEntry("organizations", "brics", "BRICS"),
            NameEntry("organizations", "cpc", "Communist Party of China", short="CPC"),
            NameEntry(
                "organizations", "politburo", "Political Bureau of the CPC Central Committee"
            ),
            NameEntry(
                "meetings", "summit", "BRICS summit", ("BRICS extraordinary virtual summit",)
            ),
            NameEntry("countries", "russia", "Russia", demonyms=("Russian",)),
            NameEntry("organizations", "mid", "Russian Foreign Ministry"),
            NameEntry("people", "xi", "Xi Jinping", ("Xi BRICS",)),
        ]
    )
    text = (
        "Xi joins the BRICS extraordinary virtual summit, a member of the Political Bureau "
        "of the CPC Central Committee said."
    )
    # Each after the name it is in (which the source page links, links do not nest).
    assert found(m, text) == [
        ("summit", "alias", "BRICS extraordinary virtual summit"),
        ("brics", "name", "BRICS"),
        ("politburo", "name", "Political Bureau of the CPC Central Committee"),
        ("cpc", "short", "CPC"),
    ]
    # Not a demonym: "the Russian Foreign Ministry" is no mention of Russia of its own.
    assert found(m, "the Russian Foreign Ministry said") == [
        ("mid", "name", "Russian Foreign Ministry")
    ]
    # Nor anything inside a person's name.
    assert found(m, "Xi BRICS spoke.") == [("xi", "alias", "Xi BRICS")]


def test_curly_and_straight_apostrophes_are_equal() -> None:
    m = build_matcher([NameEntry("people", "maruf-amin", "Ma’ruf Amin")])
    assert slugs(m, "Vice President Ma'ruf Amin said") == ["maruf-amin"]
    assert slugs(m, "Vice President Ma’ruf Amin said") == ["maruf-amin"]
    assert normalise_name("Ma'ruf Amin") == normalise_name("Ma’ruf Amin")


@pytest.mark.parametrize(
    "text",
    ["Riyad al-Maliki", "Riyad Al-Maliki", "Riyad Al Maliki", "Riyad Maliki", "RIYAD AL MALIKI"],
)
def test_al_particle_is_optional(matcher: Matcher, text: str) -> None:
    (m,) = find_mentions(matcher, article(f"Foreign Minister {text} said."))
    assert (m.slug, m.text) == ("riyad-al-maliki", text)
    assert m.form in ("name", "alias")


def test_bin_and_ibn_are_alike(matcher: Matcher) -> None:
    assert found(matcher, "Faisal Ibn Farhan met him.") == [
        ("faisal-bin-farhan", "alias", "Faisal Ibn Farhan")
    ]
    assert found(matcher, "Faisal ibn Farhan Al-Saud met him.") == [
        ("faisal-bin-farhan", "name", "Faisal ibn Farhan Al-Saud")
    ]
    assert normalise_name("Faisal Ibn Farhan") == normalise_name("faisal bin farhan")


def test_normalise_name() -> None:
    assert normalise_name("Prince Faisal Ibn Farhan Al-Saud") == "faisal bin farhan saud"
    assert normalise_name("Riyad al-Maliki") == normalise_name("Riyad Maliki") == "riyad maliki"
    assert normalise_name("H.E. Sheikh Mohammed bin Abdulrahman") == "mohammed bin abdulrahman"
    assert normalise_name("Hisséin") == "hissein"


def test_honorifics_are_ignored_but_kept_in_the_text(matcher: Matcher) -> None:
    assert found(matcher, "Saudi Foreign Minister Prince Faisal bin Farhan Al Saud said") == [
        ("saudi-arabia", "demonym", "Saudi"),
        ("faisal-bin-farhan", "name", "Prince Faisal bin Farhan Al Saud"),
    ]
    assert found(matcher, "H.E. Sheikh Faisal bin Farhan arrived") == [
        ("faisal-bin-farhan", "alias", "H.E. Sheikh Faisal bin Farhan")
    ]
    assert found(matcher, "Dr. Sameh Shoukry and Mr Ayman Safadi") == [
        ("sameh-shoukry", "name", "Dr. Sameh Shoukry"),
        ("ayman-safadi", "name", "Mr Ayman Safadi"),
    ]
    # An honorific written into a fact sheet's name does not have to be in the text.
    m = build_matcher([NameEntry("people", "faisal", "Prince Faisal bin Farhan Al Saud")])
    assert [x.text for x in find_mentions(m, article("Faisal bin Farhan Al Saud came"))] == [
        "Faisal bin Farhan Al Saud"
    ]
    # "he" is a pronoun, not "HE" (His Excellency).
    assert found(matcher, "as he Ayman Safadi") == [("ayman-safadi", "name", "Ayman Safadi")]


# --------------------------------------------------------------------------
# Boundaries, possessives, handles
# --------------------------------------------------------------------------


def test_word_boundaries(matcher: Matcher) -> None:
    assert slugs(matcher, "Romania and Omania are not Oman.") == ["oman"]
    assert slugs(matcher, "Wangari Maathai met Wang Yi.") == ["wang-yi"]
    assert found(matcher, "Iranian officials visited Iran.") == [
        ("iran", "demonym", "Iranian"),
        ("iran", "name", "Iran"),
    ]
    assert slugs(matcher, "Chinatown, Russians, Jordanians") == []


def test_possessives(matcher: Matcher) -> None:
    for text in ("Sergey Lavrov’s talks; Lavrov’s words", "Sergey Lavrov's talks; Lavrov's words"):
        assert [m[2] for m in found(matcher, text)] == ["Sergey Lavrov", "Lavrov"]
    assert found(matcher, "China’s top diplomat") == [("china", "name", "China")]
    assert found(matcher, "Saudi’s Prince Faisal said:") == [("saudi-arabia", "demonym", "Saudi")]


def test_handles_and_links_are_not_names(matcher: Matcher) -> None:
    text = "see @mfa_russia and https://example.org/china pic.twitter.com/China1"
    assert slugs(matcher, text) == []


# --------------------------------------------------------------------------
# Guards
# --------------------------------------------------------------------------


def test_a_person_never_matches_a_place(matcher: Matcher) -> None:
    m = build_matcher(
        [
            *ENTRIES,
            NameEntry("people", "riyad", "Riyad Mansour", ("Riyad",)),
            NameEntry("people", "jordan-x", "Michael Jordan", ("Jordan",)),
            NameEntry("people", "moscow-x", "Ivan Moscow", ("Moscow",)),
        ]
    )
    # "Riyad" is an alias, "Riyadh" a different word.
    assert slugs(m, "The summit in Riyadh ended.") == []
    assert slugs(m, "Riyad said so.") == ["riyad"]
    # A person's alias that is a country's name or capital never makes a person mention.
    assert found(m, "Jordan and Moscow agreed.") == [("jordan", "name", "Jordan")]
    # ... not even as a surname next to the full name.
    assert found(m, "Michael Jordan visited Jordan.") == [
        ("jordan-x", "name", "Michael Jordan"),
        ("jordan", "name", "Jordan"),
    ]


def test_a_surname_alone_needs_the_full_name_in_the_article(matcher: Matcher) -> None:
    assert found(matcher, "Lavrov said.") == []
    assert found(matcher, "Lavrov said.", "Sergei Lavrov added.") == [
        ("sergey-lavrov", "surname", "Lavrov"),
        ("sergey-lavrov", "alias", "Sergei Lavrov"),
    ]
    # The full name may be in the title only.
    a = article("Lavrov said.", title="Sergey Lavrov meets ministers")
    assert [(m.block, m.form) for m in find_mentions(matcher, a)] == [
        ("title", "name"),
        ("p1", "surname"),
    ]
    # Surnames of aliases and with "al-": "Maliki" / "al-Maliki".
    assert [m[2] for m in found(matcher, "Riyad Al-Maliki came; al-Maliki and Maliki spoke")] == [
        "Riyad Al-Maliki",
        "al-Maliki",
        "Maliki",
    ]
    assert [m[2] for m in found(matcher, "Hussein Ibrahim Taha came. Taha spoke")] == [
        "Hussein Ibrahim Taha",
        "Taha",
    ]


def test_a_surname_after_another_given_name_is_another_person(matcher: Matcher) -> None:
    """The article names Sergey Lavrov in full; "Igor Lavrov" is someone else."""
    full = "Sergey Lavrov met Ayman Safadi and Sameh Shoukry."
    assert found(matcher, full, "His cousin Igor Lavrov and Ahmed Safadi came.")[3:] == []
    assert found(matcher, full, "Hisham Shoukry, a nephew of the minister.")[3:] == []
    # A title, a word starting the sentence, an acronym, an initial, a possessive, another
    # mention or a line's punctuation before the surname: the same person.
    for text, surname in [
        ("Foreign Minister Lavrov said.", "Lavrov"),
        ("Chancellor Lavrov said.", "Lavrov"),
        ("Secretary of State Lavrov said.", "Lavrov"),
        ("But Lavrov said no.", "Lavrov"),
        ("Russian FM Lavrov said.", "Lavrov"),
        ("S. Lavrov said.", "Lavrov"),
        ("Egypt's Shoukry said.", "Shoukry"),
        ("Egyptian Shoukry said.", "Shoukry"),
        ("Moscow, Lavrov said.", "Lavrov"),
        ("said Lavrov.", "Lavrov"),
    ]:
        assert (found(matcher, full, text)[-1][1:]) == ("surname", surname), text


def test_chinese_family_name_comes_first(matcher: Matcher) -> None:
    assert found(matcher, "Wang told them.") == []
    assert found(matcher, "Wang Yi met them. Wang told them. Yi left.") == [
        ("wang-yi", "name", "Wang Yi"),
        ("wang-yi", "surname", "Wang"),
    ]
    # Without the explicit surname, the last token would be used.
    default = build_matcher([NameEntry("people", "s", "Sergey Lavrov")])
    assert [m.text for m in find_mentions(default, article("Sergey Lavrov; Lavrov; Sergey"))] == [
        "Sergey Lavrov",
        "Lavrov",
    ]


def test_a_first_name_alone_is_not_a_mention(matcher: Matcher) -> None:
    text = "Faisal bin Farhan Al Saud arrived. Prince Faisal said. Faisal left."
    assert slugs(matcher, text) == ["faisal-bin-farhan"]
    with_alias = build_matcher([NameEntry("people", "f", "Faisal bin Farhan", ("Prince Faisal",))])
    assert found(with_alias, "Prince Faisal said.") == [("f", "alias", "Prince Faisal")]


# --------------------------------------------------------------------------
# Country and organisation forms
# --------------------------------------------------------------------------


def test_demonyms(matcher: Matcher) -> None:
    assert found(matcher, "Russian Foreign Minister Sergey Lavrov") == [
        ("russia", "demonym", "Russian"),
        ("sergey-lavrov", "name", "Sergey Lavrov"),
    ]
    assert found(matcher, "SAUDI’s envoy") == [("saudi-arabia", "demonym", "SAUDI")]


def test_a_capital_counts_only_where_it_names_the_country() -> None:
    plain = build_matcher([NameEntry("countries", "russia", "Russia", capital="Moscow")])
    assert slugs(plain, "Talks in Moscow.") == []
    naming = build_matcher(
        [NameEntry("countries", "russia", "Russia", capital="Moscow", capital_names_country=True)]
    )
    assert found(naming, "Moscow rejects the plan.") == [("russia", "capital", "Moscow")]


def test_short_forms_are_case_sensitive_when_all_caps(matcher: Matcher) -> None:
    assert found(matcher, "Russia shares OIC, LAS assessments") == [
        ("russia", "name", "Russia"),
        ("oic", "short", "OIC"),
        ("arab-league", "short", "LAS"),
    ]
    assert slugs(matcher, "las personas; the oic; Las Vegas; Oic") == []
    mixed = build_matcher(
        [NameEntry("organizations", "mercosur", "Southern Common Market", short="Mercosur")]
    )
    assert found(mixed, "MERCOSUR and mercosur") == [
        ("mercosur", "short", "MERCOSUR"),
        ("mercosur", "short", "mercosur"),
    ]


def test_longest_match_wins_and_matches_do_not_overlap(matcher: Matcher) -> None:
    assert found(matcher, "Saudi Arabia and the Saudi side") == [
        ("saudi-arabia", "name", "Saudi Arabia"),
        ("saudi-arabia", "demonym", "Saudi"),
    ]
    assert found(matcher, "the Russian Foreign Ministry said") == [("russia", "demonym", "Russian")]
    with_ministry = build_matcher(
        [*ENTRIES, NameEntry("organizations", "mid", "Russian Foreign Ministry", ("MFA Russia",))]
    )
    assert found(with_ministry, "the Russian Foreign Ministry said") == [
        ("mid", "name", "Russian Foreign Ministry")
    ]
    assert found(matcher, "the Arab League and the League of Arab States") == [
        ("arab-league", "alias", "Arab League"),
        ("arab-league", "name", "League of Arab States"),
    ]
    # A name does not run across a sentence end, a comma or a dash (an em dash: editors
    # turn a hyphen with spaces into an en dash, which joins as the hyphen did).
    assert slugs(matcher, "in Saudi. Arabia is") == ["saudi-arabia"]
    assert [m[2] for m in found(matcher, "Saudi, Arabia; Saudi — Arabia")] == ["Saudi", "Saudi"]


# --------------------------------------------------------------------------
# The real seeds
# --------------------------------------------------------------------------


def spellings(mentions: Sequence[Mention], slug: str) -> set[str]:
    return {m.text for m in mentions if m.slug == slug}


def test_seed_spelling_variants_all_found(matcher: Matcher) -> None:
    by_seed = {p: find_mentions(matcher, seed(p)) for p in ("000", "001", "002", "003", "004")}
    # Sergey / Sergei Lavrov.
    assert "Sergey Lavrov" in spellings(by_seed["000"], "sergey-lavrov")
    assert spellings(by_seed["001"], "sergey-lavrov") == {"Sergei Lavrov"}
    # Hissein Brahim Taha / Hussein Ibrahim Taha.
    assert spellings(by_seed["000"], "hissein-brahim-taha") == {"Hussein Ibrahim Taha"}
    assert spellings(by_seed["002"], "hissein-brahim-taha") == {"Hissein Brahim Taha"}
    # Sameh Shoukri (only 002 names him).
    assert spellings(by_seed["002"], "sameh-shoukry") == {"Sameh Shoukri"}
    # Faisal bin Farhan Al Saud / Prince Faisal Bin Farhan; "Saudi’s Prince Faisal" is not him.
    assert spellings(by_seed["002"], "faisal-bin-farhan") == {"Faisal bin Farhan Al Saud"}
    assert spellings(by_seed["000"], "faisal-bin-farhan") == {"Prince Faisal Bin Farhan"}
    assert spellings(by_seed["003"], "faisal-bin-farhan") == {"Prince Faisal bin Farhan Al Saud"}
    # Riyad al-Maliki / Riyad Al-Maliki.
    assert spellings(by_seed["002"], "riyad-al-maliki") == {"Riyad al-Maliki"}
    assert spellings(by_seed["003"], "riyad-al-maliki") == {"Riyad Al-Maliki"}
    # Organisation / Organization of Islamic Cooperation, OIC.
    assert spellings(by_seed["002"], "oic") == {"Organisation of Islamic Cooperation", "OIC"}
    assert spellings(by_seed["001"], "oic") == {"Organization of Islamic Cooperation"}
    # League of Arab States / Arab League / LAS.
    assert spellings(by_seed["004"], "arab-league") == {"League of Arab States", "LAS"}
    assert spellings(by_seed["001"], "arab-league") == {"Arab League"}
    # Wang Yi and Wang (the family name first).
    assert spellings(by_seed["003"], "wang-yi") == {"Wang Yi", "Wang"}


def test_seed_surnames_and_titles(matcher: Matcher) -> None:
    tass = find_mentions(matcher, seed("004"))
    # The headline's "— Lavrov" counts: the body names Sergey Lavrov in full.
    assert [(m.block, m.text, m.form) for m in tass if m.slug == "sergey-lavrov"] == [
        ("title", "Lavrov", "surname"),
        ("p2", "Sergey Lavrov", "name"),
        ("p4", "Lavrov", "surname"),
    ]
    # 002's title is its own; its mentions are in block "title".
    kremlin = find_mentions(matcher, seed("002"))
    assert [(m.slug, m.text) for m in kremlin if m.block == "title"] == [
        ("sergey-lavrov", "Sergey Lavrov"),
        ("oic", "Organisation of Islamic Cooperation"),
    ]
    # 000's title is derived from its first paragraph: not counted twice.
    assert seed("000").title.basis == "derived"
    assert not [m for m in find_mentions(matcher, seed("000")) if m.block == "title"]
    # 000: embedded posts are blocks too, and the handle @mfa_russia is no mention.
    aljazeera = find_mentions(matcher, seed("000"))
    post1 = [m.text for m in aljazeera if m.block == "post1"]
    assert post1 == ["Russian", "Sergey Lavrov", "Russia"]


def test_seed_mentions_are_slices_in_block_order(matcher: Matcher) -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        a = seed(prefix)
        texts = {"title": a.title.value or "", **{b.id: b.text for b in a.blocks}}
        order = ["title", *(b.id for b in a.blocks)]
        mentions = find_mentions(matcher, a)
        assert mentions
        for m in mentions:
            assert texts[m.block][m.start : m.end] == m.text
        keys = [(order.index(m.block), m.start) for m in mentions]
        assert keys == sorted(keys)
        # No two mentions of one block overlap.
        for x, y in zip(mentions, mentions[1:], strict=False):
            if x.block == y.block:
                assert x.end <= y.start


# --------------------------------------------------------------------------
# Unknown names
# --------------------------------------------------------------------------


def unknown(matcher: Matcher, a: Article) -> list[UnknownName]:
    return find_unknown_names(a, find_mentions(matcher, a))


def test_seed_unknown_people_with_their_titles(matcher: Matcher) -> None:
    xinhua = {u.name: u for u in unknown(matcher, seed("003")) if u.kind == "person"}
    assert set(xinhua) == {
        "Xi Jinping",
        "Emmanuel Macron",
        "Cyril Ramaphosa",
        "Hua Chunying",
        "Han Zheng",
    }
    assert xinhua["Hua Chunying"].context == "Foreign Ministry Spokesperson"
    assert xinhua["Hua Chunying"].block == "p5"
    assert xinhua["Hua Chunying"].sentence == (
        "Foreign Ministry Spokesperson Hua Chunying announced that President Xi will make "
        "significant remarks at the summit."
    )
    assert xinhua["Han Zheng"].context == "Vice President"
    assert xinhua["Cyril Ramaphosa"].context == "President"

    tass = {u.name: u.context for u in unknown(matcher, seed("004")) if u.kind == "person"}
    assert tass == {
        "Vladimir Putin": "President",
        "Mahmoud Abbas": "President",
        "Benjamin Netanyahu": "Prime Minister",
    }

    # An appositive after the title: "spokesperson for ..., Maria Zakharova,".
    aljazeera = [u for u in unknown(matcher, seed("000")) if u.kind == "person"]
    assert [(u.name, u.context) for u in aljazeera] == [
        ("Maria Zakharova", "spokesperson for the Russian Foreign Ministry")
    ]


def test_seed_unknown_organisations(matcher: Matcher) -> None:
    aljazeera = [u.name for u in unknown(matcher, seed("000")) if u.kind == "organization"]
    assert aljazeera == ["Russian Foreign Ministry", "Ministerial Committee", "UN Security Council"]
    xinhua = [u.name for u in unknown(matcher, seed("003")) if u.kind == "organization"]
    assert xinhua == [
        "Political Bureau of the CPC Central Committee",
        "Chinese Foreign Ministry",
        "UN Security Council",
        "UN General Assembly",
    ]
    # Known organisations, places and the Secretary General's title are not reported.
    kremlin = unknown(matcher, seed("002"))
    assert kremlin == []
    tass = [u.name for u in unknown(matcher, seed("004")) if u.kind == "organization"]
    assert tass == []  # "West Bank" is a place


def test_unknown_appositive_after_the_name(matcher: Matcher) -> None:
    a = article(
        "On Monday Maria Zakharova, spokesperson for the Russian Foreign Ministry, said so. "
        "Sergey Lavrov, the Russian Foreign Minister, agreed."
    )
    assert unknown(matcher, a) == [
        UnknownName(
            "Maria Zakharova",
            "person",
            "spokesperson for the Russian Foreign Ministry",
            "On Monday Maria Zakharova, spokesperson for the Russian Foreign Ministry, said so.",
            "p1",
        ),
        UnknownName(
            "Russian Foreign Ministry",
            "organization",
            "",
            "On Monday Maria Zakharova, spokesperson for the Russian Foreign Ministry, said so.",
            "p1",
        ),
    ]


def test_unknown_names_other_titles_and_particles(matcher: Matcher) -> None:
    a = article(
        "The U.N. envoy Martin Griffiths met King Abdullah bin Hussein in Amman. "
        "Qatari Prime Minister Sheikh Mohammed bin Abdulrahman Al Thani was there. "
        "In November President Joe Biden spoke. Ambassador Vassily Nebenzia, too."
    )
    people = {u.name: (u.context, u.sentence) for u in unknown(matcher, a)}
    assert people["Martin Griffiths"] == (
        "envoy",
        "The U.N. envoy Martin Griffiths met King Abdullah bin Hussein in Amman.",
    )
    assert people["Abdullah bin Hussein"][0] == "King"
    assert people["Mohammed bin Abdulrahman Al Thani"][0] == "Prime Minister"
    assert people["Joe Biden"][0] == "President"
    assert people["Vassily Nebenzia"][0] == "Ambassador"
    chief = article(
        "EU foreign policy chief Josep Borrell said the Chief Executive Officer agreed."
    )
    assert [(u.name, u.context) for u in unknown(matcher, chief)] == [("Josep Borrell", "chief")]
    # Months, weekdays and sentence openers are not names.
    assert not any(w in name for name in people for w in ("November", "In ", "The "))


def test_unknown_names_skip_known_entities_and_single_words(matcher: Matcher) -> None:
    a = article(
        "Foreign Minister Sergey Lavrov met President Xi on Monday. "
        "Foreign Minister Sameh Shoukry, the Egyptian diplomat, came. Arab League envoys too."
    )
    assert unknown(matcher, a) == []


def test_unknown_names_dedupe_and_keep_first_occurrence(matcher: Matcher) -> None:
    a = article(
        "President Joe Biden spoke.",
        "Later President Joe Biden spoke again at the Security Council.",
        "The UN Security Council met.",
    )
    got = [(u.name, u.block) for u in unknown(matcher, a)]
    assert got == [("Joe Biden", "p1"), ("UN Security Council", "p3")]


# --------------------------------------------------------------------------
# Robustness and cost
# --------------------------------------------------------------------------

# Pieces of names and the characters around them, so generated text does hit names.
PIECES = st.sampled_from(
    [
        *"abcdeilmnorsuwyAELMORSW -’'.,@#é\u0301\n",
        "Lavrov",
        "Sergei ",
        "al-",
        "Saudi",
        " Arabia",
        "OIC",
        "’s",
        "Prince ",
        "H.E. ",
        "bin ",
        "Wang",
        " Yi",
        "https://x",
        "President ",
        " Council",
        ", spokesperson for ",
    ]
)
BLOCK_TEXT = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(BLOCK_TEXT, min_size=1, max_size=4), title=st.none() | BLOCK_TEXT)
def test_find_mentions_never_raises_and_slices_match(texts: list[str], title: str | None) -> None:
    m = build_matcher(ENTRIES)
    a = Article(
        id="h",
        title=Field(title, "parsed") if title is not None else Field(),
        blocks=(
            *(Paragraph(f"p{i}", t) for i, t in enumerate(texts)),
            Post("post1", texts[0], "A", "a", dt.date(2023, 11, 21)),
        ),
    )
    block_text = {"title": title or "", **{b.id: b.text for b in a.blocks}}
    mentions = find_mentions(m, a)
    for x in mentions:
        assert block_text[x.block][x.start : x.end] == x.text
        assert x.text
    find_unknown_names(a, mentions)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_arbitrary_unicode_never_raises(text: str) -> None:
    m = build_matcher(ENTRIES)
    a = article(text, title=text)
    for x in find_mentions(m, a):
        assert text[x.start : x.end] == x.text
    find_unknown_names(a, find_mentions(m, a))


def test_matching_cost_is_linear_in_the_text() -> None:
    # 2,000 names sharing first tokens, so walks do go deep into the trie.
    entries = [
        NameEntry("people", f"p{i}", f"Ahmed Mohammed Person{i} Surname{i}", (f"Ahmed {i}",))
        for i in range(1000)
    ] + [
        NameEntry("organizations", f"o{i}", f"Council of Ahmed Mohammed Org{i}", short=f"ORG{i}")
        for i in range(1000)
    ]
    m = build_matcher(entries)
    words = "Ahmed Mohammed Person7 Surname7 met the Council of Ahmed Mohammed Org9 ORG12 "
    unit = (words * 10).split()  # 120 words

    def steps(n_units: int) -> int:
        stats = ScanStats()
        find_mentions(m, article(" ".join(unit * n_units)), stats)
        return stats.steps

    small, large = steps(10), steps(100)
    assert small > 0
    assert large / small < 15
    assert m.size >= 2000


def test_a_run_of_particles_costs_what_its_length_does(matcher: Matcher) -> None:
    # "al-al-al-...": each particle may begin a name, and a walk once skipped every
    # particle after it, so a 60 KB run took most of a minute.
    def steps(n: int) -> int:
        stats = ScanStats()
        find_mentions(matcher, article("al-" * n + "Maliki said"), stats)
        return stats.steps

    small, large = steps(1000), steps(10000)
    assert large / small < 15
    # One particle, as names have it, still joins: "Riyad al-Maliki".
    assert slugs(matcher, "Riyad al-Maliki said") == ["riyad-al-maliki"]


def test_values_are_frozen(matcher: Matcher) -> None:
    (x,) = find_mentions(matcher, article("Oman"))
    with pytest.raises(AttributeError):  # a named tuple: no field can be set
        x.slug = "y"  # type: ignore[misc]
    assert x.slug == "oman"
    with pytest.raises(dataclasses.FrozenInstanceError):
        matcher.size = 0  # type: ignore[misc]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_ascii_fast_path_splits_words_like_the_general_pattern(text: str) -> None:
    from generator.mentions import _ASCII_WORD_SPLIT_RE, _WORD_SPLIT_RE

    assert _ASCII_WORD_SPLIT_RE.split(text) == _WORD_SPLIT_RE.split(text)


def test_a_name_late_in_a_long_block_keeps_its_honorific(matcher: Matcher) -> None:
    # The scan builds tokens lazily; a name after many plain words is still found,
    # with the honorific before it and the offsets of the original text.
    text = "word " * 500 + "H.E. Prince Faisal bin Farhan’s visit"
    (m,) = find_mentions(matcher, article(text))
    assert (m.slug, m.text) == ("faisal-bin-farhan", "H.E. Prince Faisal bin Farhan")
    assert text[m.start : m.end] == m.text
