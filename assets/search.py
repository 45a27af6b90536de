"""Full-text search over the catalog.

`build_search_document(asset)` flattens what partners search for into
`Asset.search_document`, one line per weight class (the sync calls it on every
upsert):

    line 1  title                                   weight A
    line 2  tags and taxonomy names                 weight B
    line 3  description                             weight C
    line 4  public id, split into words             weight D

On PostgreSQL the database stores the weighted tsvector of that column in a
generated column with a GIN index (migration 0004; `search_vector()` is its
expression); a pg_trgm index on the title finds one-letter typos. On SQLite a
simpler fallback matches every term with icontains (a term nothing contains also matches
the words spelled like it, from the vocabulary of what the user can see: difflib) and ranks
title matches first. On both, a term that looks like a file name or path
(`ridge-runner-box.jpg`, `kestrel/trail/`) also matches the public id and folder.
"""

import difflib
import re

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)

SEARCH_CONFIG = "english"
WEIGHTS = ("A", "B", "C", "D")
MAX_QUERY_LENGTH = 200
MAX_TYPO_WORDS = 6
# PostgreSQL's English stop words of three letters or more (they have no lexeme).
_STOP_WORDS_TEXT = """
about above after again against all and any are because been before being below between
both but can did does doing down during each few for from further had has have having her
here hers herself him himself his how into its itself just more most myself nor not now off
once only other our ours ourselves out over own same she should some such than that the their
theirs them themselves then there these they this those through too under until very was
were what when where which while who whom why will with you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_SPACE = re.compile(r"\s+")
_ID_SEPARATORS = re.compile(r"[/_.\-]+")
_EXTENSION = re.compile(r"\.[a-z0-9]{2,5}$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
TYPO_CUTOFF = 0.8  # difflib ratio: "pakaging"/"packaging" 0.94, "runer"/"runner" 0.91
SUGGEST_CUTOFF = 0.7
VOCABULARY_ROWS = 5000


def _flat(text) -> str:
    return _SPACE.sub(" ", str(text or "")).strip()


def compose_search_document(*, title: str, tags, names, description: str,
                            public_id: str) -> str:
    """The four weighted lines of a search document, from plain values (the sync uses this)."""
    tag_words = [str(tag).split(":", 1)[-1] for tag in (tags or [])]
    public_id_words = _ID_SEPARATORS.sub(" ", public_id or "")
    lines = [title, " ".join(tag_words + [n for n in names if n]), description,
             public_id_words]
    return "\n".join(_flat(line) for line in lines)


def build_search_document(asset) -> str:
    """The searchable text of `asset` (title, tags + taxonomy, description, public id).

    Reads product line, campaign, kind and markets; prefetch or select them when
    building many documents.
    """
    taxonomy = [asset.product_line, asset.campaign, asset.kind]
    names = [term.name for term in taxonomy if term is not None]
    if asset.pk:
        names += [market.name for market in asset.markets.all()]
    return compose_search_document(title=asset.title, tags=asset.tags, names=names,
                                   description=asset.description, public_id=asset.public_id)


class StoredSearchVector(Expression):
    """The `search_vector` column PostgreSQL generates from search_document (migration 0004).

    Not a model field: the database computes it on every write. Compiled against the
    query's own table alias, so it stays right when the queryset becomes a subquery.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_vector", []


def search_vector():
    """The weighted tsvector expression; migration 0004 stores exactly this in a column."""
    parts = [
        SearchVector(
            Func(F("search_document"), Value("\n"), Value(number), function="split_part",
                 output_field=TextField()),
            config=SEARCH_CONFIG, weight=weight,
        )
        for number, weight in enumerate(WEIGHTS, start=1)
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part
    return vector


def clean_query(text: str | None) -> str:
    return _flat(text)[:MAX_QUERY_LENGTH]


def search_assets(queryset: QuerySet, text: str | None, memo: dict | None = None) -> QuerySet:
    """`queryset` narrowed to assets matching `text`, annotated with `rank` (higher first).

    `memo` (a dict shared by the filter sets of one page: results and every facet) keeps
    the SQLite spelling check to one query per page instead of one per facet.
    """
    text = clean_query(text)
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        return _search_postgres(queryset, text)
    return _search_fallback(queryset, text, {} if memo is None else memo)


def _search_postgres(queryset: QuerySet, text: str) -> QuerySet:
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    typo = TrigramWordSimilarity(Value(text), "title")
    queryset = queryset.annotate(
        search_vector=StoredSearchVector(),
        rank=SearchRank(StoredSearchVector(), query)
        + typo * Value(0.1, output_field=FloatField()),
    )
    # `@@` uses the GIN expression index. The typo path asks every significant word to
    # match either the vector or, through `<%` and the pg_trgm index, a word of the title.
    condition = Q(search_vector=query)
    for term in text.split()[:8]:
        condition |= file_name_condition(term)
    words = typo_words(text)
    if words:
        per_word = Q()
        for word in words:
            per_word &= (Q(search_vector=SearchQuery(word, config=SEARCH_CONFIG))
                         | Q(title__trigram_word_similar=word))
        condition |= per_word
    return queryset.filter(condition)


def typo_words(text: str) -> list[str]:
    """The words of a query worth a typo-tolerant match (no stop words, no operators)."""
    words = re.findall(r"[^\W_]{3,}", text.lower())
    return [w for w in dict.fromkeys(words) if w not in STOP_WORDS][:MAX_TYPO_WORDS]


def _search_fallback(queryset: QuerySet, text: str, memo: dict) -> QuerySet:
    """Every term must match (or a word spelled like it: "pakaging" finds "packaging");
    file names and paths match the public id as typed ("ridge-runner-box.jpg")."""
    terms = text.split()[:8]
    if text not in memo:
        memo[text] = _term_conditions(queryset, terms)
    for condition in memo[text]:
        queryset = queryset.filter(condition)
    in_title = [When(Q(title__icontains=text), then=Value(3))]
    in_title += [When(Q(**{"title__icontains": term}), then=Value(1)) for term in terms]
    return queryset.annotate(rank=Case(*in_title, default=Value(0), output_field=IntegerField()))


def _term_conditions(queryset: QuerySet, terms: list[str]) -> list[Q]:
    """One condition per term: the term, or the words spelled like it when nothing
    `queryset` holds contains it."""
    conditions = [_term_condition(term) for term in terms]
    words = {i: term for i, term in enumerate(terms) if _is_word(term)}
    if words:  # one query says which words nothing contains
        found = queryset.order_by().aggregate(**{f"t{i}": Count("pk", filter=conditions[i])
                                                 for i in words})
        unknown = [i for i in words if not found[f"t{i}"]]
        vocabulary = search_vocabulary(queryset) if unknown else []
        for i in unknown:
            for word in difflib.get_close_matches(words[i].lower(), vocabulary, n=3,
                                                  cutoff=TYPO_CUTOFF):
                conditions[i] |= _term_condition(word)
    return conditions


def _term_condition(term: str) -> Q:
    condition = Q(search_document__icontains=term) | Q(title__icontains=term)
    return condition | file_name_condition(term)


def _is_word(term: str) -> bool:
    return len(term) >= 4 and term.isalpha()


def file_name_condition(term: str) -> Q:
    """A file name or path as the partner types it: the public id or folder contains it
    (a trailing extension such as ``.jpg`` is ignored). Empty for plain words."""
    if not _ID_SEPARATORS.search(term):
        return Q(pk__in=[])
    stem = _EXTENSION.sub("", term.strip("/")) or term
    return Q(public_id__icontains=stem) | Q(asset_folder__icontains=stem)


def search_vocabulary(queryset: QuerySet, limit: int = VOCABULARY_ROWS) -> list[str]:
    """The distinct words of the search documents `queryset` holds (what the partner can
    find), the source of spelling corrections where the database has no trigrams."""
    words: set[str] = set()
    for document in queryset.order_by().values_list("search_document", flat=True)[:limit]:
        words.update(w for w in _WORD.findall(document.lower()) if len(w) >= 3)
    return sorted(words - STOP_WORDS)


def suggest_queries(queryset: QuerySet, text: str | None, limit: int = 3) -> list[str]:
    """Queries worth offering when `text` found nothing: each word replaced by the closest
    word partners can find ("ridge runer" -> "ridge runner"); at most `limit`."""
    words = clean_query(text).lower().split()[:8]
    if not words:
        return []
    vocabulary = search_vocabulary(queryset)
    known = set(vocabulary)
    options = []
    for word in words:
        close = [] if word in known or not word.isalpha() else difflib.get_close_matches(
            word, vocabulary, n=limit, cutoff=SUGGEST_CUTOFF)
        options.append(close or [word])
    suggestions = []
    for index in range(limit):
        candidate = " ".join(choices[min(index, len(choices) - 1)] for choices in options)
        if candidate != " ".join(words) and candidate not in suggestions:
            suggestions.append(candidate)
    return suggestions
