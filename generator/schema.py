"""Typed models of the fact sheets in ``content/``.

The same models validate the YAML and generate the JSON Schema that editors'
yaml-language-server uses (``dossier schema``), so the two can never disagree.
Values arrive from :mod:`generator.yamlstrict` as strings; pydantic turns them
into dates and numbers where a field says so, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from generator.prose import prose_problem

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _strict_bool(value: Any) -> Any:
    # YAML 1.1 would read yes/no/on/off as booleans; we accept only true/false.
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


StrictBool = Annotated[bool, BeforeValidator(_strict_bool), PlainSerializer(bool)]


def http_url(value: Any) -> Any:
    """``value`` if it is an http(s) URL; raise ValueError otherwise."""
    if isinstance(value, str) and re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.I):
        return value
    raise ValueError("must be an http:// or https:// URL")


HttpUrl = Annotated[str, BeforeValidator(http_url)]
Id = Annotated[str, Field(pattern=SLUG_RE.pattern, description="The slug of another fact sheet.")]
SourceId = Annotated[
    str,
    Field(
        pattern=SOURCE_ID_RE.pattern,
        description="A source id: the file name in seeds/ without its extension.",
    ),
]
NonEmpty = Annotated[str, Field(min_length=1)]

# Words that name no one on their own: an alias "bin" would match in every "... bin ...".
_NOT_A_NAME = frozenset({"al", "el", "bin", "ibn", "bint", "abu", "abd", "the", "of", "and"})


def _visible_name(value: str) -> str:
    if not any(ch.isalnum() for ch in value):
        raise ValueError("must hold a letter or a digit (this one shows nothing to read)")
    if value.casefold().strip(" -’'") in _NOT_A_NAME:
        raise ValueError(f"{value!r} names no one on its own; give the whole name")
    return value


Name = Annotated[str, Field(min_length=1), AfterValidator(_visible_name)]

_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def is_language_tag(value: str) -> bool:
    return _LANGUAGE_RE.fullmatch(value) is not None


def _language_tag(value: str) -> str:
    if not is_language_tag(value):
        raise ValueError("must be a language tag such as en or pt-BR")
    return value


LanguageTag = Annotated[str, AfterValidator(_language_tag)]


def _bounded_prose(value: str) -> str:
    problem = prose_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Prose = Annotated[str, AfterValidator(_bounded_prose)]
"""Markdown text; refused beyond the limits in :mod:`generator.prose` so rendering stays fast."""


class Sheet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Citation(Sheet):
    """A source and a verbatim passage of it that supports the fact."""

    source: SourceId = Field(description="Source id (file name in seeds/ without .txt).")
    quote: NonEmpty = Field(
        description="Words copied from the source. Only whitespace, quote marks and "
        "dashes may differ."
    )


Cites = Annotated[
    list[Citation], Field(default_factory=list, description="Citations supporting the fact.")
]


class Fact(Sheet):
    """Anything that can be cited."""

    cite: Cites


DateBasis = Literal["stated", "weekday", "dateline", "published", "relative", "inferred"]


class DateFact(Fact):
    """A date and how we know it."""

    value: dt.date = Field(description="The date, YYYY-MM-DD.")
    basis: DateBasis = Field(
        "stated",
        description="stated: the source gives the date; weekday: worked out from a weekday "
        "next to the publication date; dateline: taken from the article's dateline; "
        "published: the article's publication date; relative: 'yesterday', 'today'; "
        "inferred: reasoned from context (explain in note).",
    )
    qualifier: Literal["on", "before", "after", "about"] = Field(
        "on",
        description="on: the date itself; before/after: on or before/after it (a date that "
        "sources only bound); about: approximate.",
    )
    note: str = Field("", description="How the date was worked out, shown on the page.")


PlaceBasis = Literal["stated", "dateline", "inferred"]


class PlaceFact(Fact):
    name: NonEmpty = Field(description="Place name as shown, e.g. 'Moscow'.")
    country: Id | None = Field(None, description="Country id of the place.")
    basis: PlaceBasis = Field("stated", description="How the place is known.")
    note: str = ""


class Alias(Sheet):
    name: Name = Field(description="Another spelling or form of the name.")
    sources: list[SourceId] = Field(
        default_factory=list, description="Sources that spell the name this way."
    )


def _shorthand(key: str) -> Any:
    """Let a plain string stand for a mapping with one field (``date: 2023-11-21``)."""

    def expand(value: Any) -> Any:
        return {key: value} if isinstance(value, str) else value

    return expand


DateValue = Annotated[
    DateFact, BeforeValidator(_shorthand("value"), json_schema_input_type=dt.date | DateFact)
]
PlaceValue = Annotated[
    PlaceFact, BeforeValidator(_shorthand("name"), json_schema_input_type=str | PlaceFact)
]
AliasValue = Annotated[
    Alias, BeforeValidator(_shorthand("name"), json_schema_input_type=str | Alias)
]


class Position(Fact):
    title: NonEmpty = Field(description="e.g. 'Foreign Minister'.")
    of: Id | None = Field(None, description="Country or organisation id.")
    as_of: dt.date | None = Field(None, description="Date the position is attested.")


class Side(Fact):
    """One side of a disagreement between sources."""

    claim: NonEmpty


class Disagreement(Sheet):
    """Sources that say different things about one fact."""

    about: NonEmpty = Field(description="The fact in question, e.g. 'date of the summit'.")
    sides: list[Side] = Field(
        min_length=1,
        description="What each source says. One side is allowed when the note explains what "
        "it conflicts with (another fact on the site, or a source's own inconsistency).",
    )
    note: str = Field("", description="Editor's explanation, shown with the sides.")


class Entity(Sheet):
    name: Name = Field(description="The name as the site shows it.")
    aliases: list[AliasValue] = Field(default_factory=list)
    summary: Prose = Field("", description="Short Markdown text (at most 5,000 characters).")
    summary_cite: Cites
    disagreements: list[Disagreement] = Field(default_factory=list)


class PersonSheet(Entity):
    """content/people/<slug>.yaml"""

    honorific: str = Field("", description="e.g. 'Prince', shown but not matched.")
    surname: str = Field(
        "",
        description="The family name that may stand alone in an article that also names the "
        "person in full; default: the last word of the name. 'Wang' for Wang Yi.",
    )
    country: Id | None = Field(None, description="Country the person serves.")
    positions: list[Position] = Field(default_factory=list)


class CountrySheet(Entity):
    """content/countries/<slug>.yaml"""

    demonyms: list[NonEmpty] = Field(
        default_factory=list, description="Adjectives that name the country, e.g. 'Russian'."
    )
    capital: str = ""
    capital_names_country: StrictBool = Field(
        False, description="Whether a mention of the capital counts as the country."
    )
    member_of: list[Id] = Field(default_factory=list, description="Organisation ids.")


class OrganizationSheet(Entity):
    """content/organizations/<slug>.yaml"""

    short: str = Field("", description="Abbreviation, e.g. 'OIC'.")
    url: HttpUrl | None = None
    members: list[Id] = Field(default_factory=list, description="Country ids.")
    member_of: list[Id] = Field(default_factory=list, description="Organisation ids.")


MeetingKind = Literal[
    "talks", "meeting", "summit", "virtual-summit", "phone-call", "exchange", "briefing", "tour"
]
Presence = Literal["in-person", "virtual", "by-phone", "unclear"]


class Participation(Fact):
    """Someone's part in one meeting, as a source states it."""

    person: Id | None = Field(None, description="Person id.")
    organization: Id | None = Field(None, description="Organisation id, for a delegation.")
    country: Id | None = Field(None, description="Country represented.")
    role: str = Field("", description="Role in this meeting, e.g. 'host', 'Foreign Minister'.")
    presence: Presence = "in-person"

    @model_validator(mode="after")
    def _someone(self) -> Participation:
        if not (self.person or self.organization or self.country):
            raise ValueError("needs a person, organization or country")
        return self


class Outcome(Fact):
    text: NonEmpty


class Statement(Sheet):
    """A quotation of a speaker at the meeting; the quote is verified like a citation."""

    speaker: Id = Field(description="Person id.")
    source: SourceId
    quote: NonEmpty


class MeetingSheet(Sheet):
    """content/meetings/<slug>.yaml"""

    title: NonEmpty
    aliases: list[AliasValue] = Field(
        default_factory=list,
        description="Names the sources give the meeting ('the Riyadh summit'); found in articles.",
    )
    kind: MeetingKind = "meeting"
    status: Literal["held", "announced"] = Field(
        "held",
        description="'announced': the sources report the meeting as planned, none as held.",
    )
    date: DateValue
    end_date: DateValue | None = None
    place: PlaceValue | None = None
    leg: str = Field("", description="Leg of the tour, e.g. 'Beijing'.")
    part_of: Id | None = Field(None, description="Meeting id of the tour or series.")
    follows: Id | None = Field(None, description="Meeting id of the previous leg.")
    hosts: list[Participation] = Field(default_factory=list)
    participants: list[Participation] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    summary: Prose = Field("", description="Short Markdown text (at most 5,000 characters).")
    cite: Cites
    disagreements: list[Disagreement] = Field(default_factory=list)


# What other tools (static-site generators, feeds, scrapers) call the fields of a source.
SOURCE_FIELD_SYNONYMS = {
    "author": "byline", "authors": "byline", "by": "byline", "creator": "byline",
    "source": "outlet", "publisher": "outlet", "site": "outlet", "sitename": "outlet",
    "site_name": "outlet", "agency": "outlet", "link": "url", "permalink": "url",
    "canonical": "url", "headline": "title", "lang": "language", "locale": "language",
    "pubdate": "published", "date_published": "published", "published_at": "published",
    "datetime": "published",
}  # fmt: skip


class SourceMeta(Sheet):
    """One entry of content/sources.yaml: curated metadata that overrides the parser."""

    field_synonyms: ClassVar[dict[str, str]] = SOURCE_FIELD_SYNONYMS

    title: str | None = None
    outlet: str | None = None
    url: HttpUrl | None = None
    published: dt.date | None = None
    byline: str | None = None
    excerpt: StrictBool = Field(False, description="The text is not the whole article.")
    language: LanguageTag | None = Field(
        None, description="Language tag of the text (pt-BR), when not the site's language."
    )


class SiteConfig(Sheet):
    """site.yaml"""

    title: NonEmpty = Field(description="Site title.")
    description: str = ""
    base_url: HttpUrl = Field(
        description="Where the site is published, e.g. https://x.github.io/repo/."
    )
    language: LanguageTag = "en"
    output: str = Field("_site", description="Output folder, relative to the project.")
    domain: str | None = Field(None, description="Custom domain: written to CNAME.")
    feed_limit: int = Field(
        50, ge=1, description="Entries in the Atom feed: the newest meetings and sources."
    )

    @field_validator("base_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        problem = base_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value if value.endswith("/") else value + "/"

    @field_validator("domain")
    @classmethod
    def _host(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Written to CNAME as it is: a scheme, a path or a second line would break it.
        if value is not None and not _HOST_RE.fullmatch(value):
            raise ValueError("must be a host name such as dossier.example.org (no scheme, no path)")
        base_url = info.data.get("base_url")
        problem = domain_problem(str(base_url), value) if base_url and value else None
        if problem:
            raise ValueError(problem)
        return value


_HOST_RE = re.compile(r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.I)


def base_url_problem(value: str) -> str | None:
    """What makes ``value`` unfit as the address the site is published at, or None.

    Every page's links are made from it: a query or fragment would land in the middle of
    each URL, "//" in the path makes a link to another host, and user:password@ would be
    printed into every page.
    """
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password"
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "must not have a query (?) or a fragment (#)"
    if "\\" in value or "//" in parts.path:
        return "must not have a backslash or an empty segment (//) in its path"
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return "must not have . or .. segments in its path"
    return None


def domain_problem(base_url: str, domain: str) -> str | None:
    """Why ``base_url`` cannot be the address of a site published at ``domain``, or None.

    A custom domain is served at its root: canonical links, the feed and the 404 page's
    links made from another address would point away from the site or into nothing.
    """
    parts = urlsplit(base_url)
    if (parts.hostname or "").lower() == domain.lower() and parts.path in ("", "/"):
        return None
    return (
        f"the site is served at the root of {domain}, but base_url is {base_url}; "
        f"set base_url to https://{domain}/"
    )


SHEETS: dict[str, type[Entity] | type[MeetingSheet]] = {
    "meetings": MeetingSheet,
    "people": PersonSheet,
    "countries": CountrySheet,
    "organizations": OrganizationSheet,
}
