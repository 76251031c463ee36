"""kyodo-analysis: quantitative text analysis of Zushi City's citizen-collaboration review table.

The verbs, each returning a tidy table: ``read_table`` (items) → ``tokenize`` (tokens) → ``extract_terms``
(terms) → ``counts`` / ``keywords`` / ``word_counts`` / ``distinctive_terms`` / ``cooccurrence`` /
``correspondence``; ``keyword_in_context`` traces a term back to its sentences; ``analyze`` runs them all.
"""

from ._version import __version__
from .analysis import Analysis, analyze
from .cache import check_facts, load_or_analyze
from .cleaning import clean_table, read_table
from .correspondence import correspondence
from .errors import InputError
from .kwic import keyword_in_context
from .network import cooccurrence
from .schema import Comparison, load_schema
from .slices import for_cities_of, for_city, for_year, select_year
from .stats import counts, distinctive_terms, keywords, word_counts
from .storage import load_analysis
from .terms import extract_terms, mentions
from .tokens import tokenize
from .wordlists import word_lists
from .years import keyword_trends, program_changes

__all__ = [
           "Analysis",
           "Comparison",
           "InputError",
           "__version__",
           "analyze",
           "check_facts",
           "clean_table",
           "cooccurrence",
           "correspondence",
           "counts",
           "distinctive_terms",
           "extract_terms",
           "for_cities_of",
           "for_city",
           "for_year",
           "keyword_in_context",
           "keyword_trends",
           "keywords",
           "load_analysis",
           "load_or_analyze",
           "load_schema",
           "mentions",
           "program_changes",
           "read_table",
           "select_year",
           "tokenize",
           "word_counts",
           "word_lists",
]
