"""natural_key and path_keys: names in the order a person counts them."""

from __future__ import annotations

from gui.common.natural_order import natural_key, path_keys


def test_numbers_in_names_are_compared_as_numbers_and_letters_without_case():
    names = ["clip_10.wav", "Clip_2.wav", "clip_1.wav", "10.wav", "9.wav", "clip.wav", "a"]
    assert sorted(names, key=natural_key) == ["9.wav", "10.wav", "a", "clip.wav", "clip_1.wav",
                                              "Clip_2.wav", "clip_10.wav"]
    assert natural_key("night_007") == natural_key("night_7")  # tie: a stable sort keeps order


def test_path_keys_are_the_keys_of_the_path_its_folder_and_its_name():
    for path in ["ARU2/night_10.wav", "clip_3.wav", "a/b/c12d/x_3.wav", "12/3.wav", "a12/b",
                 "site 1/2026-06-01/20260601_220000.wav"]:
        folder, _, name = path.rpartition("/")
        assert path_keys(path) == (natural_key(path), natural_key(folder), natural_key(name))
