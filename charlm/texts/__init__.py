"""charlm's built-in training texts: original English prose written for this course, one .txt file each.

CORPORA is in display order; the first is the page's default, so it is the text on which the default model's
samples turn readable soonest (the lesson is last: it is the shortest, and its held-out end is a quiz intro).

    import charlm.texts
    charlm.texts.names()            # ['letters', 'downhill', ..., 'lesson']
    text = charlm.texts.load("fables")

Every text keeps to a small alphabet (letters, digits, space, newline and . , ; : ! ? ' " - ( ), plus _ in the lesson
for the Python names it mentions), so a tiny model has few characters to tell apart and its samples turn readable
sooner. The files are read from next to this module, which works both from an installed package and from the zip the
browser worker unpacks onto its file system.
"""
from pathlib import Path

CORPORA = {
    "letters": {
        "title": "Letters to a young programmer",
        "file": "letters.txt",
        "description": "Letters from an old hand to a beginner about mistakes, practice and patience.",
    },
    "downhill": {
        "title": "A walk downhill in the fog",
        "file": "downhill.txt",
        "description": "A walker finds her way down a mountain by feel alone: gradient descent told as a story.",
    },
    "fables": {
        "title": "Small fables",
        "file": "fables.txt",
        "description": "Short stories about a fox, a river, a crow and others who learn by trying and being wrong.",
    },
    "dialogue": {
        "title": "Probability and surprise",
        "file": "dialogue.txt",
        "description": "A teacher and a student talk through surprise, loss, entropy, perplexity and temperature.",
    },
    "essay": {
        "title": "How machines learn to write",
        "file": "essay.txt",
        "description": "An essay on how counting letters grew into models that learn to guess the next one.",
    },
    "lesson": {
        "title": "This lesson",
        "file": "lesson.txt",
        "description": "The lesson on this page: the next character, surprise as loss, and the training loop.",
    },
}

# The lesson's sections in page order: (id, heading line). The ids name the page's places for each section.
LESSON_SECTIONS = (
    ("intro", "Training a Tiny Language Model"),
    ("what", "What training a language model means"),
    ("train", "Train a model yourself"),
    ("curve", "Reading the loss curve"),
    ("loop", "The training loop"),
    ("quiz", "Check your understanding"),
)


def names():
    """The ids of the built-in texts, in display order."""
    return list(CORPORA)


def load(corpus_id):
    """The full text of built-in text `corpus_id`, or ValueError naming the known ids."""
    if corpus_id not in CORPORA:
        raise ValueError(f"unknown corpus {corpus_id!r}; choose one of: {', '.join(CORPORA)}")
    return Path(__file__).with_name(CORPORA[corpus_id]["file"]).read_text(encoding="utf-8")


def describe():
    """One dict per built-in text, in display order, for menus: {"id", "title", "description", "chars"}."""
    return [{"id": cid, "title": c["title"], "description": c["description"], "chars": len(load(cid))}
            for cid, c in CORPORA.items()]


def lesson_sections():
    """The lesson split into its sections, in order: [{"id", "heading", "paragraphs": [str, ...]}].

    A section starts at its heading line (see LESSON_SECTIONS) and runs to the next one; paragraphs are separated by
    blank lines. ValueError if lesson.txt has lost a heading or has them out of order.
    """
    blocks = [b.strip() for b in load("lesson").split("\n\n") if b.strip()]
    headings = [h for _, h in LESSON_SECTIONS]
    found = [b for b in blocks if b in headings]
    if found != headings:
        raise ValueError(f"lesson.txt must have these heading lines, each on its own and in this order: "
                         f"{'; '.join(headings)}. Found: {'; '.join(found) or 'none'}")
    sections = []
    for block in blocks:
        if block in headings:
            sections.append({"id": LESSON_SECTIONS[headings.index(block)][0], "heading": block, "paragraphs": []})
        elif sections:
            sections[-1]["paragraphs"].append(block)
        else:
            raise ValueError(f"lesson.txt must start with the heading {headings[0]!r}, not with {block[:40]!r}")
    return sections
