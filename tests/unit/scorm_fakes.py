"""Fake browser frames and SCORM APIs for the SCORM unit tests: windows that nest, cross-origin frames that refuse
to be read, and APIs (1.2, 2004, broken) that record every call."""

class Frame:
    """A same-origin window: attributes as given, parent defaults to itself (a top window)."""

    def __init__(self, parent=None, opener=None, **attrs):
        self.parent = parent if parent is not None else self
        self.opener = opener
        self.__dict__.update(attrs)


class CrossOrigin:
    """A window from another origin: like a browser, only a few properties may be read."""

    ALLOWED = ("parent", "opener", "top", "postMessage", "window", "self", "closed", "length", "frames", "location")

    def __init__(self, parent=None, **hidden):
        object.__setattr__(self, "touched", [])
        object.__setattr__(self, "_parent", parent)
        object.__setattr__(self, "_hidden", hidden)

    def __getattr__(self, name):
        if name == "parent":
            return self._parent if self._parent is not None else self
        if name == "opener":
            return None
        self.touched.append(name)
        raise PermissionError("SecurityError: Blocked a frame from accessing a cross-origin frame")


class Keys:
    def __init__(self, names):
        self.names = list(names)

    def includes(self, name):
        return name in self.names


class Reflect:
    """Reflect.ownKeys as browsers do it: never throws, lists only safe names for cross-origin frames."""

    def ownKeys(self, frame):
        if isinstance(frame, CrossOrigin):
            return Keys(CrossOrigin.ALLOWED)
        return Keys(vars(frame))


class API12:
    """A SCORM 1.2 API that records every call."""

    def __init__(self, log, values=None, result="true"):
        self.log, self.values, self.result = log, dict(values or {}), result

    def LMSInitialize(self, arg):
        self.log.append(("LMSInitialize", arg))
        return self.result

    def LMSGetValue(self, element):
        self.log.append(("LMSGetValue", element))
        return self.values.get(element, "")

    def LMSSetValue(self, element, value):
        assert isinstance(value, str), "SCORM values must be strings"
        self.log.append(("LMSSetValue", element, value))
        self.values[element] = value
        return self.result

    def LMSCommit(self, arg):
        self.log.append(("LMSCommit", arg))
        return self.result

    def LMSFinish(self, arg):
        self.log.append(("LMSFinish", arg))
        return self.result


class API2004:
    """A SCORM 2004 API that records every call."""

    def __init__(self, log, values=None, result="true"):
        self.log, self.values, self.result = log, dict(values or {}), result

    def Initialize(self, arg):
        self.log.append(("Initialize", arg))
        return self.result

    def GetValue(self, element):
        self.log.append(("GetValue", element))
        return self.values.get(element, "")

    def SetValue(self, element, value):
        assert isinstance(value, str), "SCORM values must be strings"
        self.log.append(("SetValue", element, value))
        self.values[element] = value
        return self.result

    def Commit(self, arg):
        self.log.append(("Commit", arg))
        return self.result

    def Terminate(self, arg):
        self.log.append(("Terminate", arg))
        return self.result


class Broken:
    """An API whose every call raises."""

    def __getattr__(self, name):
        def fail(*args):
            raise RuntimeError("LMS exploded in " + name)
        return fail


def nest(top, depth):
    """`depth` frames below top; returns the innermost."""
    frame = top
    for _ in range(depth):
        frame = Frame(parent=frame)
    return frame
