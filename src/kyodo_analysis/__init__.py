"""kyodo-analysis: quantitative text analysis of Zushi City's citizen-collaboration review table.

The verbs, each returning a tidy table: ``read_table`` (items) → ``tokens`` → ``terms`` → ``counts`` /
``keywords`` / ``distinctive_terms`` / ``cooccurrence`` / ``correspondence``; ``kwic`` traces a term back
to its sentences; ``analyze`` runs them all.
"""

__version__ = "0.1.0"

from .analysis import Analysis, analyze, check_facts, for_year, load_analysis, load_or_analyze, select_year
from .cleaning import clean_table, read_table
from .errors import InputError
from .kwic import kwic
from .stats import cooccurrence, correspondence, counts, distinctive_terms, keywords
from .tokens import terms, tokens, word_lists
from .years import keyword_trends, program_changes

__all__ = ["Analysis", "InputError", "analyze", "check_facts", "clean_table", "cooccurrence", "correspondence",
           "counts", "distinctive_terms", "for_year", "keyword_trends", "keywords", "kwic", "load_analysis",
           "load_or_analyze", "program_changes", "read_table", "select_year", "terms", "tokens", "word_lists"]
