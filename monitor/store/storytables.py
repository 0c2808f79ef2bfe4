"""SQL tables of the stories (SQLModel): the story rows, the ids merged away, and the indexes
that find a new article's candidate stories (SimHash bands, link terms, vectors). Registered
with the other tables by ``monitor.store.tables``; the schema is the Alembic migrations'.

No ``from __future__ import annotations`` here: SQLModel reads the annotations at class creation.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    LargeBinary,
    Text,
)
from sqlmodel import Field, SQLModel


class StoryRow(SQLModel, table=True):
    """A story (its id: its first article's) as listed: when seen, by how many, in which
    languages; kept up to date by each poll that adds to it."""

    __tablename__ = "stories"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    first_seen: datetime
    last_seen: datetime = Field(index=True)
    articles: int
    sources: int = Field(index=True)
    languages: str = Field(sa_column=Column(Text, nullable=False))  # sorted, comma-separated


class StoryMergeRow(SQLModel, table=True):
    """A story merged into another (``reader.stories``): its id, named by alerts already
    sent, leads to the story kept (chains flattened; gone with the kept story)."""

    __tablename__ = "story_merges"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    story_id: int = Field(index=True)  # the story kept
    merged_at: datetime


class StoryBandRow(SQLModel, table=True):
    """One 16-bit band of an article's SimHash: the index that finds near-duplicate candidates."""

    __tablename__ = "story_bands"
    __table_args__ = (
        Index("ix_story_bands_lookup", "band", "value", "created_at"),
        Index("ix_story_bands_article_id", "article_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    band: int
    value: int
    article_id: int = Field(foreign_key="articles.id")
    story_id: int
    simhash: int = Field(sa_column=Column(BigInteger, nullable=False))
    event_key: str | None = Field(default=None, sa_column=Column(Text))  # None: before 0510
    created_at: datetime


class StoryTermRow(SQLModel, table=True):
    """One name skeleton or figure of an article: the index that finds the story it retells
    in another language (``reader.linking``)."""

    __tablename__ = "story_terms"
    __table_args__ = (
        # Covering: a lookup reads the index alone, however many rows a common term has.
        Index("ix_story_terms_lookup", "term", "created_at", "story_id", "article_id",
              "language", "terms", "figures", "dates"),
        Index("ix_story_terms_article_id", "article_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    term: str = Field(sa_column=Column(Text, nullable=False))
    article_id: int = Field(foreign_key="articles.id")
    story_id: int
    language: str | None = Field(default=None, max_length=16)
    terms: int  # how many terms the article has: the overlap is measured against it
    figures: int = 0  # how many of them are figures
    # The days its title and lead name (``reader.textdates``), space-separated: a candidate
    # naming only days far from the article's tells another event
    dates: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime


class StoryVectorRow(SQLModel, table=True):
    """An article's title-and-lead vector (optional encoder): read for term-index candidates
    and for the newest articles."""

    __tablename__ = "story_vectors"
    __table_args__ = (
        # The newest vectors: candidates sharing no term (0700); covering all but the vector.
        Index("ix_story_vectors_recent", "created_at", "article_id", "story_id", "language",
              "terms", "figures", "dates"),
    )

    article_id: int = Field(foreign_key="articles.id", primary_key=True)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime
    story_id: int | None = None  # None: stored before 0700, never a recent candidate
    language: str | None = Field(default=None, max_length=16)
    terms: int = 0  # as in ``story_terms``
    figures: int = 0
    dates: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
