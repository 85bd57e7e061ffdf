"""Entity keys that survive transliteration, word breaks and partial mentions."""

from __future__ import annotations

from claims.extraction.entities import article_keys, fold


def test_transliterations_of_one_name_fold_alike() -> None:
    assert fold("Ali Bagheri Kani") == fold("Ali Baqeri Kani")


def test_a_word_break_does_not_change_the_key() -> None:
    assert fold("Hossein Amir Abdollahian") == fold("Hossein Amirabdollahian")


def test_different_people_keep_different_keys() -> None:
    assert fold("Tamim bin Hamad Al Thani") != fold("Mohammed bin Abdulrahman Al Thani")


def test_a_partial_mention_takes_the_key_of_the_full_name_in_the_article() -> None:
    keys = article_keys(["Ali Baqeri Kani", "Baqeri", "Kani", "Ali Baqeri", "Yoko Kamikawa"])

    assert keys["Baqeri"] == keys["Kani"] == keys["Ali Baqeri"] == keys["Ali Baqeri Kani"]
    assert keys["Yoko Kamikawa"] != keys["Kani"]


def test_a_short_fragment_never_borrows_a_longer_name() -> None:
    keys = article_keys(["Ali Baqeri Kani", "Ali"])

    assert keys["Ali"] != keys["Ali Baqeri Kani"]
