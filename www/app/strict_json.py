r"""A strict JSON reader for quiz files: the same values, and the same "line L, column C" messages, in CPython
and in the page's MicroPython.

Why keep a reader of our own rather than json.loads (checked against the MicroPython the page runs):
- MicroPython's json accepts files that are not JSON and that CPython's json rejects: a missing comma
  ({"a": 1 "b": 2}, [1 2]), a missing colon ({"a" 1}), trailing or stray commas ({"a": 1,}, [1, 2,], {,}, [,1]),
  leading zeros (07), 1. without digits, unknown escapes ("\q" reads as "q"), a line break inside a string and a
  lone surrogate ("\ud800"). With it the page would show a quiz that `serve.py --check` rejects.
- Its errors say only "syntax error in JSON", with no line or column, so an author editing quiz.json in an LMS
  could not find the mistake from the page.
- Neither json keeps both of two duplicate keys or says a word (MicroPython has no object_pairs_hook).
So --check and the page both read quiz files with decode() below, and agree on every file.

It walks UTF-8 bytes because indexing a non-ASCII str is not constant-time in MicroPython, and checks the bytes
are UTF-8 itself: MicroPython's bytes.decode lets surrogates and overlong forms through.

    value = decode(raw_bytes)      # JSONError("line 3, column 7: expected , or } ...")
"""

MAX_DEPTH = 32  # deeper nesting is never a quiz, and would exhaust MicroPython's small stack


class JSONError(ValueError):
    """Text that is not strict JSON; str(err) is one line: "line L, column C: what is wrong (how to fix it)"."""


def utf8_error(s):
    """The offset of the first byte of `s` that is not part of well-formed UTF-8, or None if all of it is.

    Well-formed as Unicode defines it (the same rule as CPython's strict decoder): no overlong forms, no
    surrogates, nothing above U+10FFFF, no sequence cut short.
    """
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            size, low, high = 2, 0x80, 0xBF
        elif 0xE0 <= c <= 0xEF:
            size = 3
            low, high = (0xA0, 0xBF) if c == 0xE0 else (0x80, 0x9F) if c == 0xED else (0x80, 0xBF)
        elif 0xF0 <= c <= 0xF4:
            size = 4
            low, high = (0x90, 0xBF) if c == 0xF0 else (0x80, 0x8F) if c == 0xF4 else (0x80, 0xBF)
        else:
            return i
        if i + 1 >= n or not low <= s[i + 1] <= high:
            return i
        for k in range(2, size):
            if i + k >= n or s[i + k] & 0xC0 != 0x80:
                return i
        i += size
    return None


_WHITESPACE = b" \t\n\r"
_ESCAPES = {0x22: '"', 0x5C: "\\", 0x2F: "/", 0x62: "\b", 0x66: "\f", 0x6E: "\n", 0x72: "\r", 0x74: "\t"}


def decode(text):
    """Parse JSON text (str, or bytes already known to be UTF-8) strictly into dicts, lists, str, int, float,
    bool and None.

    Raises JSONError("line L, column C: what is wrong (how to fix it)"). A leading byte-order
    mark is skipped; NaN, Infinity, comments, trailing commas and duplicate keys are errors.
    """
    s = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    i = 3 if s[:3] == b"\xef\xbb\xbf" else 0
    i = _skip(s, i)
    if i >= len(s):
        raise JSONError("line 1, column 1: the file is empty; a quiz is one JSON object { ... }")
    value, i = _value(s, i, 0)
    i = _skip(s, i)
    if i < len(s):
        _fail(s, i, "unexpected text after the end of the data (an extra } or ], or a missing comma?)")
    return value


def _where(s, i):
    line_start = s.rfind(b"\n", 0, i) + 1
    column = len(s[line_start:i].decode("utf-8")) + 1
    return "line %d, column %d" % (s.count(b"\n", 0, i) + 1, column)


def _fail(s, i, message):
    raise JSONError(_where(s, i) + ": " + message)


def _skip(s, i):
    while i < len(s) and s[i] in _WHITESPACE:
        i += 1
    return i


def _found(s, i):
    if i >= len(s):
        return "the end of the file"
    if s[i] == 0x22:  # a string: show it up to its closing quote
        end = s.find(b"\"", i + 1)
        end = min(len(s), i + 30) if end < 0 or end > i + 30 else end + 1
    else:
        end = i + 1
        while end < len(s) and end < i + 12 and s[end] not in _WHITESPACE and s[end] not in b",:[]{}\"":
            end += 1
    while end < len(s) and s[end] & 0xC0 == 0x80:  # never cut a UTF-8 character in two
        end += 1
    return s[i:end].decode("utf-8").split("\n")[0]


def _value(s, i, depth):
    if depth > MAX_DEPTH:
        _fail(s, i, "nested more than %d levels deep" % MAX_DEPTH)
    if i >= len(s):
        _fail(s, i, "the file ends where a value should be; is a closing } or ] missing?")
    c = s[i]
    if c == 0x7B:  # {
        return _object(s, i, depth)
    if c == 0x5B:  # [
        return _array(s, i, depth)
    if c == 0x22:  # "
        return _string(s, i)
    if c == 0x2D or 0x30 <= c <= 0x39:  # - or a digit
        return _number(s, i)
    for word, value in ((b"true", True), (b"false", False), (b"null", None)):
        if s[i:i + len(word)] == word:
            return value, i + len(word)
    if c == 0x27:  # '
        _fail(s, i, "strings need double quotes \"...\", not single quotes")
    if s[i:i + 4] == b"True" or s[i:i + 5] == b"False" or s[i:i + 4] == b"None":
        _fail(s, i, "JSON writes true, false and null in lowercase")
    _fail(s, i, "expected a value (a \"string\", a number, true, false, null, [ or {), found " + _found(s, i))


def _object(s, i, depth):
    opened = i
    obj = {}
    i = _skip(s, i + 1)
    if i < len(s) and s[i] == 0x7D:
        return obj, i + 1
    while True:
        if i >= len(s):
            _fail(s, opened, "this { is never closed; add the missing }")
        if s[i] != 0x22:
            if s[i] == 0x7D:
                _fail(s, i, "a comma before } leaves an empty entry; remove the last comma")
            if s[i] == 0x27:
                _fail(s, i, "keys need double quotes \"...\", not single quotes")
            _fail(s, i, "expected a key in double quotes, found " + _found(s, i))
        key_at = i
        key, i = _string(s, i)
        if key in obj:
            _fail(s, key_at, "the key \"" + key + "\" appears twice in the same object; keep one")
        i = _skip(s, i)
        if i >= len(s) or s[i] != 0x3A:
            _fail(s, i, "expected : after the key \"" + key + "\", found " + _found(s, i))
        value, i = _value(s, _skip(s, i + 1), depth + 1)
        obj[key] = value
        i = _skip(s, i)
        if i < len(s) and s[i] == 0x2C:
            i = _skip(s, i + 1)
        elif i < len(s) and s[i] == 0x7D:
            return obj, i + 1
        elif i >= len(s):
            _fail(s, opened, "this { is never closed; add the missing }")
        else:
            _fail(s, i, "expected , or } after the value of \"" + key + "\" (is a comma missing?), found "
                  + _found(s, i))


def _array(s, i, depth):
    opened = i
    items = []
    i = _skip(s, i + 1)
    if i < len(s) and s[i] == 0x5D:
        return items, i + 1
    while True:
        if i >= len(s):
            _fail(s, opened, "this [ is never closed; add the missing ]")
        if s[i] == 0x5D:
            _fail(s, i, "a comma before ] leaves an empty entry; remove the last comma")
        value, i = _value(s, i, depth + 1)
        items.append(value)
        i = _skip(s, i)
        if i < len(s) and s[i] == 0x2C:
            i = _skip(s, i + 1)
        elif i < len(s) and s[i] == 0x5D:
            return items, i + 1
        elif i >= len(s):
            _fail(s, opened, "this [ is never closed; add the missing ]")
        else:
            _fail(s, i, "expected , or ] after a list item (is a comma missing?), found " + _found(s, i))


def _string(s, i):
    opened = i
    parts = []
    i += 1
    start = i
    while True:
        if i >= len(s):
            _fail(s, opened, "this string is never closed; add the missing \"")
        c = s[i]
        if c == 0x22:
            parts.append(s[start:i].decode("utf-8"))
            return "".join(parts), i + 1
        if c < 0x20:
            if c == 0x0A:
                _fail(s, opened, "this string runs past the end of the line; close it with \" "
                      "(or write \\n for a line break inside it)")
            _fail(s, i, "a control character inside a string; write it as an escape like \\t")
        if c == 0x5C:  # backslash
            parts.append(s[start:i].decode("utf-8"))
            escape = s[i + 1] if i + 1 < len(s) else -1
            if escape in _ESCAPES:
                parts.append(_ESCAPES[escape])
                i += 2
            elif escape == 0x75:  # \uXXXX, maybe a surrogate pair
                code = _hex4(s, i)
                i += 6
                if 0xD800 <= code < 0xDC00 and s[i:i + 2] == b"\\u":
                    low = _hex4(s, i)
                    if 0xDC00 <= low < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                if 0xD800 <= code < 0xE000:
                    _fail(s, i - 6, "\\u" + "%04x" % code + " is half of a surrogate pair; write the character itself")
                parts.append(chr(code))
            else:
                _fail(s, i, "unknown escape; a backslash in a string is written \\\\")
            start = i
        else:
            i += 1


def _hex4(s, i):
    digits = s[i + 2:i + 6]
    if len(digits) == 4:
        for d in digits:
            if not (0x30 <= d <= 0x39 or 0x41 <= d <= 0x46 or 0x61 <= d <= 0x66):
                break
        else:
            return int(digits.decode("utf-8"), 16)
    _fail(s, i, "\\u must be followed by 4 hex digits")


def _digits(s, i):
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        i += 1
    return i


def _number(s, i):
    start = i
    if s[i] == 0x2D:
        i += 1
    first = i
    i = _digits(s, i)
    if i == first:
        _fail(s, start, "a - must be followed by digits")
    if s[first] == 0x30 and i - first > 1:
        _fail(s, start, "numbers cannot start with 0 (write 7, not 07)")
    is_float = False
    if i < len(s) and s[i] == 0x2E:  # .
        j = _digits(s, i + 1)
        if j == i + 1:
            _fail(s, start, "a decimal point must be followed by digits (write 1.0 or 1, not 1.)")
        i, is_float = j, True
    if i < len(s) and s[i] in b"eE":
        j = i + 1
        if j < len(s) and s[j] in b"+-":
            j += 1
        k = _digits(s, j)
        if k == j:
            _fail(s, start, "an exponent needs digits (like 1e-3)")
        i, is_float = k, True
    if i < len(s) and s[i] == 0x2C and i + 1 < len(s) and 0x30 <= s[i + 1] <= 0x39:
        _fail(s, start, "JSON numbers use a decimal point: write 4.17, not 4,17")
    text = s[start:i].decode("utf-8")
    return (float(text) if is_float else int(text)), i
