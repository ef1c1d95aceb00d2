"""Finding the LMS's SCORM API in the frames around the page: parents, openers, cross-origin frames, depth."""

import pytest

from app import scorm
from scorm_fakes import API12, API2004, CrossOrigin, Frame, Reflect, nest

# ---- discovery --------------------------------------------------------------------------------------------------

def test_finds_the_api_two_frames_up():
    api = API12([])
    window = nest(Frame(API=api), 2)
    assert scorm.find_api(window) == (api, "1.2")


def test_finds_the_api_in_its_own_window():
    api = API2004([])
    assert scorm.find_api(Frame(API_1484_11=api)) == (api, "2004")


def test_nearest_frame_wins_over_the_newer_version():
    api12, api2004 = API12([]), API2004([])
    window = Frame(parent=Frame(parent=Frame(API_1484_11=api2004), API=api12))
    assert scorm.find_api(window) == (api12, "1.2")


def test_same_frame_prefers_2004_unless_told_otherwise():
    api12, api2004 = API12([]), API2004([])
    window = Frame(parent=Frame(API=api12, API_1484_11=api2004))
    assert scorm.find_api(window) == (api2004, "2004")
    assert scorm.find_api(window, versions=("1.2",)) == (api12, "1.2")
    with pytest.raises(ValueError, match="unknown SCORM version"):
        scorm.find_api(window, versions=("3",))


def test_a_cross_origin_frame_is_passed_without_reading_it():
    api = API12([])
    foreign = CrossOrigin(parent=Frame(API=api))
    window = Frame(parent=foreign, Reflect=Reflect())
    assert scorm.find_api(window) == (api, "1.2")
    assert foreign.touched == []  # with Reflect (a browser) nothing forbidden is read at all


def test_a_cross_origin_frame_that_raises_is_tolerated_without_reflect():
    foreign = CrossOrigin()
    window = Frame(parent=foreign)
    assert scorm.find_api(window) == (None, None)
    assert foreign.touched  # it was read, raised, and the error was swallowed


def test_finds_the_api_through_the_opener_and_its_parents():
    api = API2004([])
    opener = Frame(parent=Frame(API_1484_11=api))
    assert scorm.find_api(Frame(opener=opener)) == (api, "2004")
    # in a frame inside a pop-up: the top window's opener counts too
    assert scorm.find_api(nest(Frame(opener=opener), 2)) == (api, "2004")


def test_parent_chain_is_searched_before_the_opener():
    near, far = API12([]), API2004([])
    window = Frame(parent=Frame(API=near), opener=Frame(API_1484_11=far))
    assert scorm.find_api(window) == (near, "1.2")


def test_search_stops_after_max_depth():
    api = API12([])
    assert scorm.find_api(nest(Frame(API=api), scorm.MAX_DEPTH)) == (api, "1.2")
    assert scorm.find_api(nest(Frame(API=api), scorm.MAX_DEPTH + 1)) == (None, None)


def test_undefined_and_null_apis_are_not_apis():
    class Undefined:
        pass
    undefined = type("undefined", (), {})()  # how MicroPython shows a JS undefined
    assert scorm.find_api(Frame(API=None, API_1484_11=undefined)) == (None, None)
    assert scorm.find_api(Frame(API=Undefined())) != (None, None)  # any other object is taken as the API
