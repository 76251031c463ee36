"""The researcher's word lists: forced terms (強制抽出), stop words (使用しない語) and synonyms (表記ゆれ).

Every list is a plain text file a researcher edits between runs; the package ships defaults in
``resources/``. Files saved by Windows tools are read as they come (UTF-8 with or without BOM,
UTF-16 with BOM, CP932); anything else is an :class:`InputError` naming the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from .errors import InputError, all_of, check_ordinary, control_character, unusable
from .tokens import tokenize_text

PACKAGED = "kyodo_analysis/resources/"
NEGATED = "(否定)"
# A stop entry the dictionary reads alone as a symbol or an adverb (時, まま) is matched by its spelling only.
LEMMA_POS = ("名詞", "代名詞", "動詞", "形容詞", "形状詞", "接尾辞")


@dataclass(frozen=True)
class TextFile:
    """A researcher-edited text file: its text, where it came from and the SHA-256 of its bytes."""

    text: str
    source: str
    sha256: str


def read_text_file(path: str | Path | None, default: str, what: str, option: str) -> TextFile:
    """The text of ``path`` (or of the packaged ``default``), decoded as Windows tools save it.

    ``what`` names the file for messages (e.g. 「強制抽出のリスト」) and ``option`` the command-line
    option that gives it."""
    if path is None:
        data = resources.files("kyodo_analysis.resources").joinpath(default).read_bytes()
        return TextFile(data.decode("utf-8"), PACKAGED + default, hashlib.sha256(data).hexdigest())
    path = Path(path)
    if path.is_dir():
        raise InputError(path, f"{what}のパスがフォルダです。", hint=f"{option} にはファイルを指定してください。")
    check_ordinary(path, what, hint=f"{option} には、テキストエディタで保存したファイルを指定してください。")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, f"{what}が見つかりません。", hint=f"{option} のパスを確認してください。") from None
    except OSError as exc:
        raise InputError(path, f"{what}を読めません: {exc.strerror}", hint=f"{option} のパスと権限を確認してください。") from None
    return TextFile(decode_text(path, data, what), str(path), hashlib.sha256(data).hexdigest())


def decode_text(path: Path, data: bytes, what: str) -> str:
    """UTF-16 with BOM, UTF-8 (BOM or not), then CP932 — the encodings Excel and Notepad save in Japan."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "cp932"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return _plain(path, text, what)
    raise InputError(path, f"{what}の文字コードを判別できません (UTF-8 / UTF-16 / CP932 のどれでもありません)。",
                     hint="テキストエディタで UTF-8 として保存し直してください。")


def _plain(path: Path, text: str, what: str) -> str:
    """``text`` when it holds no control character (tabs and line breaks are text), else an InputError
    naming the line."""
    found = control_character(text)
    if found:
        raise InputError(path, f"{what}に{unusable(found.group())} があります。",
                         line=text[:found.start()].count("\n") + 1, hint="その文字を消して保存し直してください。")
    return text


def list_lines(text: str) -> list[tuple[int, str]]:
    """(line number, content) of every line that says something: ``#`` starts a comment."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            lines.append((number, content))
    return lines


def is_packaged(source: str) -> bool:
    """Whether a list's or rules' source is the package's own file (not a researcher's)."""
    return source.startswith(PACKAGED)


def spaceless_lines(file: TextFile, what: str) -> list[tuple[int, str]]:
    """:func:`list_lines` of a word list, each word checked by :func:`checked_word`."""
    lines = list_lines(file.text)
    errors = []
    for number, word in lines:
        try:
            checked_word(file, number, word, what)
        except InputError as error:  # every bad line of a list is named at once, as a rules file's are (a KH Coder user)
            errors.append(error)
    if errors:
        raise all_of(errors)
    return lines


def checked_word(file: TextFile, number: int, word: str, what: str) -> str:
    """``word`` when it can match an item: a word with a space inside (「市民 団体」; words are matched against the
    text's morphemes, which hold no space) or a full-width （否定） would silently match nothing."""
    if any(character.isspace() for character in word):
        raise InputError(file.source, f"{what}に空白があります: 「{word}」 (空白をはさむ語は本文と一致しません)", line=number,
                         hint=f"空白を除いて「{''.join(word.split())}」と書くか、2つの語を別の行に書いてください。")
    if word.endswith("（否定）"):
        raise InputError(file.source, f"{what}「{word}」の全角の括弧は否定の印として読みません。", line=number,
                         hint=f"半角の括弧で「{word.removesuffix('（否定）')}(否定)」と書いてください。")
    return word


def empty_list_warnings(lists: WordLists) -> list[str]:
    """A warning for a researcher's forced or stop list with no word in it: it replaces the packaged list, so
    nothing is forced or left out (an empty file given by mistake would change every count silently); and for a
    researcher's stop list without most of the packaged one's words (a KH Coder user adds a few words to the
    defaults, and こと・ため・する became terms)."""
    names = {"forced_terms": ("強制抽出のリスト", lists.forced), "stop_words": ("使用しない語のリスト", lists.stop)}
    warnings = [f"{what} {lists.sources[name]['source']} に語がありません。同梱のリストの代わりに使うので、"
                f"{'どの語も強制抽出しません' if name == 'forced_terms' else 'どの語も除きません'}。"
                for name, (what, words) in names.items()
                if not words and not is_packaged(lists.sources.get(name, {}).get("source", PACKAGED))]
    source = lists.sources.get("stop_words", {}).get("source", PACKAGED)
    if not lists.stop or is_packaged(source):
        return warnings  # the packaged list is read again only to compare a researcher's with it
    packaged = [w for _, w in spaceless_lines(read_text_file(None, "stop_words.txt", "使用しない語のリスト", "--stop"),
                                              "使用しない語")]
    missing = [w for w in packaged if w not in lists.stop]
    if 2 * len(missing) > len(packaged):
        warnings.append(f"使用しない語のリスト {source} には、同梱のリストの {len(packaged)} 語のうち {len(missing)} 語が"
                        f"ありません ({'、'.join(missing[:10])} など)。自分のリストは同梱のリストに足すのではなく置き換えるので、"
                        "これらは語として数え、名詞なら隣の名詞と1つの複合語にもなります (使用しない語は複合語の切れ目にもなり、"
                        "「市」を除けば「市町村」は「町村」)。同梱の語も除くなら、"
                        "同梱の stop_words.txt をコピーして書き足してください。")
    return warnings


@dataclass(frozen=True)
class WordLists:
    """The three lists that decide what is counted, with where each came from (for ``metadata.json``)."""

    forced: tuple[str, ...]  # longest first: the longest forced term at a token wins
    stop: frozenset[str]
    synonyms: dict[str, str]  # variant → the word it is counted as
    sources: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    @cached_property
    def forced_set(self) -> frozenset[str]:
        return frozenset(self.forced)

    @cached_property
    def forced_prefixes(self) -> frozenset[str]:
        """Every proper beginning of a forced term: the matcher stops reading as soon as none fits."""
        return frozenset(word[:k] for word in self.forced for k in range(1, len(word)))

    @cached_property
    def forced_beginnings(self) -> frozenset[str]:
        """What a forced term can begin with: a forced term, or a proper beginning of one."""
        return self.forced_set | self.forced_prefixes

    @cached_property
    def stop_lemmas(self) -> frozenset[str]:
        """``lemma/reading`` of every one-word stop entry (こと → 事/コト, できる → 出来る/デキル, できる(否定) →
        出来る/デキル(否定)): the stop list applies to every spelling of a listed word, and only to that word
        (ほか → 他/ホカ leaves 他/タ of 他地区 alone)."""
        lemmas = set()
        for entry in self.stop:
            word, negated = (entry[:-len(NEGATED)], NEGATED) if entry.endswith(NEGATED) else (entry, "")
            parsed = tokenize_text(word)
            if len(parsed) == 1 and not parsed[0][7] and parsed[0][4] in LEMMA_POS:
                lemmas.add(f"{parsed[0][2]}/{parsed[0][3]}{negated}")
        return frozenset(lemmas)

    def counted_as(self, word: str) -> str:
        """The word a term is counted as after the synonym list (itself when it has no entry)."""
        return self.synonyms.get(word, word)


def parse_synonyms(file: TextFile) -> dict[str, str]:
    """``代表語 = 別表記, 別表記`` per line → {variant: representative}; a variant may belong to one word only."""
    mapping: dict[str, str] = {}
    heads: dict[str, int] = {}  # each representative and the line it was first written on
    errors: list[InputError] = []
    for number, content in list_lines(file.text):
        try:
            head, sep, rest = content.partition("=")
            variants = [v.strip() for v in re.split("[,、，]", rest) if v.strip()]
            if not sep or not head.strip() or not variants or any(mark in rest for mark in ";；="):
                raise InputError(file.source, f"同義語の行を読めません: {content}", line=number,
                                 hint="「代表語 = 別表記, 別表記」の形で、別表記を , で区切って書いてください"
                                      " (例: 仕組み = しくみ, システム)。")
            head = checked_word(file, number, head.strip(), "同義語")
            variants = [checked_word(file, number, variant, "同義語") for variant in variants]
            heads.setdefault(head, number)
            for variant in variants:
                if mapping.get(variant, head) != head:
                    raise InputError(file.source, f"「{variant}」が2つの代表語 ({mapping[variant]}, {head}) に書かれています。",
                                     line=number, hint="1つの語は1つの代表語にだけまとめてください。")
                mapping[variant] = head
            for word in (head, *variants):
                if word in mapping and word in heads:  # 団体 = 市民 and 市民 = 団体: which is counted as which?
                    raise InputError(file.source, f"「{word}」が代表語 ({heads[word]} 行目) と「{mapping[word]}」の別表記の"
                                     "両方になっています。", line=number,
                                     hint="代表語を別表記にせず、1つの代表語に別表記をまとめてください"
                                     " (例: 団体 = 市民団体, 団体等)。")
        except InputError as error:  # every bad line named at once
            errors.append(error)
    if errors:
        raise all_of(errors)
    return mapping


def word_lists(forced: str | Path | None = None, stop: str | Path | None = None,
               synonyms: str | Path | None = None) -> WordLists:
    """Read the three lists (one word per line, ``#`` comments; synonyms as ``代表語 = 別表記, …``)."""
    files = {"forced_terms": read_text_file(forced, "forced_terms.txt", "強制抽出のリスト", "--forced"),
             "stop_words": read_text_file(stop, "stop_words.txt", "使用しない語のリスト", "--stop"),
             "synonyms": read_text_file(synonyms, "synonyms.txt", "同義語のリスト", "--synonyms")}
    forced_words = {w for _, w in spaceless_lines(files["forced_terms"], "強制抽出の語")}
    return WordLists(forced=tuple(sorted(forced_words, key=lambda w: (-len(w), w))),
                     stop=frozenset(w for _, w in spaceless_lines(files["stop_words"], "使用しない語")),
                     synonyms=parse_synonyms(files["synonyms"]),
                     sources={name: {"source": f.source, "sha256": f.sha256} for name, f in files.items()}
                     | packaged_tables())


def packaged_tables() -> dict[str, dict[str, str]]:
    """Where the term rules' packaged tables came from (function expressions, spelling variants), for
    ``metadata.json`` and the figures' provenance: they decide the terms as much as the three lists."""
    tables = {}
    for name in ("function_expressions", "variants"):
        file = read_text_file(None, f"{name}.txt", name, "")
        tables[name] = {"source": file.source, "sha256": file.sha256}
    return tables
