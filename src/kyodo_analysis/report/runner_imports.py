"""The notebook runner's imports (nbclient, nbconvert and through them nbformat), made once by the
workers' fork server, which imports this module by name (:func:`kyodo_analysis.plots.worker_context`).

nbformat imports jsonschema, and jsonschema's format checkers import rfc3987-syntax when it is installed
(jupyter-events, which JupyterLab needs, asks for it). That package builds about 38 Earley parsers as it
is imported: 0.9 s of CPU in every process that imports nbformat on this two-core machine (1.0 s
against 0.1 s; python-jsonschema/jsonschema issues #1392 and #1428). It checks only the "iri" and "iri-reference"
formats, which the notebook format's schema does not use. So this process imports it as absent:
jsonschema then leaves those two formats unchecked, exactly as it does wherever rfc3987-syntax is not
installed. The kernels, and any other process, are not affected."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: importing it raises ImportError

import nbclient  # noqa: E402, F401  (imported for the fork server: its children start with it)
import nbconvert  # noqa: E402, F401
