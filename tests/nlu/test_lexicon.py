from __future__ import annotations

import pytest

from apps.nlu.lexicon import CONCEPT_PREFIX, concepts, default_lexicon, parse
from apps.nlu.morph import content_morphemes
from apps.nlu.typo import TypoCorrector, jamo


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("핸드폰 요금", "휴대폰"),
        ("폰 새로 샀어요", "휴대폰"),
        ("회선을 없애고 싶어요", "해지"),
        ("탈퇴하고 싶어요", "해지"),
        ("비번 까먹었어요", "비밀번호"),
        ("비번 까먹었어요", "잊다"),
        ("택배 언제 와요", "배송"),
        ("근처 대리점", "매장"),
        ("통신비가 많이 나왔어요", "요금"),
        ("핸드폰을 택시에 두고 내렸어요", "분실"),
        ("돈 돌려받고 싶어요", "환불"),
        ("usim 인식이 안 돼요", "유심"),
        ("카드 바꾸고 싶어요", "변경"),
    ],
)
def test_colloquial_words_map_to_their_concept(text, concept):
    assert CONCEPT_PREFIX + concept in concepts(content_morphemes(text))


def test_phrases_need_consecutive_morphemes():
    lexicon = parse(["분실\t두다+내리다"])
    assert concepts(["두다", "내리다"], lexicon) == ["~분실"]
    assert concepts(["내리다", "두다"], lexicon) == []


def test_a_word_in_two_concepts_yields_both_once():
    lexicon = parse(["# comment", "", "환불\t돌려받다", "반품\t돌려받다 반송"])
    assert concepts(["돌려받다", "돌려받다"], lexicon) == ["~환불", "~반품"]


def test_the_shipped_lexicon_is_large_and_its_words_are_single_morphemes():
    lexicon = default_lexicon()
    assert len(lexicon.entries) >= 500
    assert "비번" in lexicon.words()
    assert all("+" not in word for word in lexicon.words())


def test_jamo_spells_syllables_out():
    assert jamo("해지") == "ㅎㅐㅈㅣ"
    assert jamo("각") == "ㄱㅏㄱ"


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("헤지", "해지"),
        ("요굼", "요금"),
        ("조히", "조회"),
        ("비밀변호", "비밀번호"),
        ("맴버십", "멤버십"),
    ],
)
def test_one_jamo_typos_snap_to_the_known_word(typo, word):
    corrector = TypoCorrector(["해지", "요금", "조회", "비밀번호", "멤버십", "배송"])
    assert corrector.correct(typo) == word


@pytest.mark.parametrize("word", ["해지", "배", "ord", "전혀다른말"])
def test_known_short_foreign_and_distant_words_are_left_alone(word):
    assert TypoCorrector(["해지", "배송"]).correct(word) is None


def test_an_ambiguous_typo_is_left_alone():
    # 요금 and 요즘 are both one jamo away from 요름.
    assert TypoCorrector(["요금", "요즘"]).correct("요름") is None
