from workshop.sessions.join_codes import ALPHABET, LENGTH, new_join_code, normalize


def test_codes_have_six_characters_without_look_alikes():
    codes = {new_join_code() for _ in range(2000)}
    assert len(codes) > 1990  # random, practically never repeated
    for code in codes:
        assert len(code) == LENGTH == 6
        assert not set(code) & set("0O1IL5S2Z8B")
        assert set(code) <= set(ALPHABET)


def test_typed_codes_are_forgiving_about_case_and_spacing_only():
    assert normalize(" acd-efg ") == "ACDEFG"
    assert normalize("ACDEF") is None
    assert normalize("ACDEFO") is None  # O is never in a code
    assert normalize("") is None and normalize(None) is None
