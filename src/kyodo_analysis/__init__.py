"""kyodo-analysis: quantitative text analysis of Zushi City's citizen-collaboration review table."""

from .cleaning import clean_table, read_table
from .errors import InputError

__all__ = ["InputError", "clean_table", "read_table"]
__version__ = "0.1.0"
