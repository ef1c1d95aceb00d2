"""The quiz's entry point. It runs in the same MicroPython as main.py and shares its global names, so it defines
only one, and a quiz that fails to load shows its error in the quiz section instead of touching the trainer."""


def _start_quiz():
    from pyscript import document
    try:
        from app import quiz_view
    except Exception as e:  # a broken quiz module: say so where the quiz would be
        box = document.getElementById("quiz-error")
        box.textContent = ("The quiz could not start (" + type(e).__name__ + ": " + str(e) + "). "
                           "The trainer above is not affected.")
        box.hidden = False
        document.getElementById("quiz").dataset.state = "error"
        return
    quiz_view.start()


_start_quiz()
