"""kyodo-analysis: quantitative text analysis of Zushi City's citizen-collaboration review table.

The verbs, each returning a tidy table: ``read_table`` (items) → ``tokens`` → ``terms`` → ``counts`` /
``keywords`` / ``distinctive_terms`` / ``cooccurrence`` / ``correspondence``; ``kwic`` traces a term back
to its sentences; ``analyze`` runs them all.
"""

__version__ = "0.1.0"

from .analysis import Analysis, analyze, check_facts, load_analysis, load_or_analyze
from .cleaning import clean_table, read_table
from .errors import InputError
from .kwic import kwic
from .stats import cooccurrence, correspondence, counts, distinctive_terms, keywords
from .tokens import terms, tokens, word_lists

__all__ = ["Analysis", "InputError", "analyze", "check_facts", "clean_table", "cooccurrence", "correspondence",
           "counts", "distinctive_terms", "keywords", "kwic", "load_analysis", "load_or_analyze", "read_table",
           "terms", "tokens", "word_lists"]
