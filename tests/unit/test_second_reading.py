"""The inbox's second reading: a trained model that may only send the rules' verdict to a person."""

from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import train_second_reading as training
from bench.inbox import load, read
from chalicelib.domain import second_reading as sr
from chalicelib.domain.inbound import Kind
from chalicelib.domain.reading import EMAIL, POSTAL, Outcome, Reading


class Answers(sr.Model):
    """A model that answers what the test says, for words it knows."""

    def __init__(self, known: float = 1.0, **answers: float) -> None:
        super().__init__({}, b"", (), ())
        object.__setattr__(self, "answers", {q: answers.get(q, 0.5) for q in sr.QUESTIONS})
        object.__setattr__(self, "share_known", known)

    def known(self, text: str, subject: str) -> float:
        return self.share_known  # type: ignore[attr-defined, no-any-return]

    def probabilities(self, text: str, subject: str) -> dict[str, float]:
        return self.answers  # type: ignore[attr-defined, no-any-return]


def second(reading: Reading, model: sr.Model) -> Reading:
    with mock.patch.object(sr, "model", lambda: model):
        return sr.review(reading, "words", "subject")


ACT_EMAIL = Reading(Outcome.ACT, (EMAIL,), "asks to leave email (clause 1)", ("leave:unsubscribe",))


def test_an_act_whose_list_the_model_finds_unlikely_goes_to_a_person() -> None:
    reading = second(ACT_EMAIL, Answers(email=0.1, actable=0.9))
    assert reading.outcome is Outcome.REVIEW and reading.scopes == (EMAIL,)
    assert "doubts leaving email" in reading.reason and any(c.startswith("second_reading:") for c in reading.cues)


def test_an_act_the_model_finds_no_plain_request_goes_to_a_person() -> None:
    assert second(ACT_EMAIL, Answers(email=0.9, actable=0.1)).outcome is Outcome.REVIEW


def test_an_act_leaving_out_a_list_the_model_finds_likely_goes_to_a_person_with_that_list_suggested() -> None:
    reading = second(ACT_EMAIL, Answers(email=0.9, postal=0.8, partner_sharing=0.1, actable=0.9))
    assert reading.outcome is Outcome.REVIEW and reading.scopes == (EMAIL, POSTAL)


def test_an_act_the_model_agrees_with_stands() -> None:
    assert second(ACT_EMAIL, Answers(email=0.9, postal=0.2, partner_sharing=0.1, actable=0.9)) == ACT_EMAIL


def test_an_erasure_the_model_doubts_goes_to_a_person_and_one_it_agrees_with_stands() -> None:
    erasure = Reading(Outcome.ACT, (EMAIL, POSTAL), "asks for erasure", erase=True)
    assert second(erasure, Answers(erase=0.1)).outcome is Outcome.REVIEW
    assert second(erasure, Answers(erase=0.8)) == erasure


def test_nothing_becomes_a_review_only_when_a_list_and_a_request_are_both_likely() -> None:
    nothing = Reading(Outcome.NOTHING, reason="no list-removal words")
    found = second(nothing, Answers(email=0.2, postal=0.9, actable=0.9))
    assert found.outcome is Outcome.REVIEW and found.scopes == (POSTAL,)
    assert second(nothing, Answers(email=0.9, actable=0.2)) == nothing  # a bounce's "delivery failed"
    assert second(nothing, Answers(email=0.2, postal=0.2, partner_sharing=0.2, actable=0.9)) == nothing


def test_words_the_model_mostly_never_saw_leave_the_rules_reading_alone() -> None:
    assert second(ACT_EMAIL, Answers(known=0.3, email=0.0, actable=0.0)) == ACT_EMAIL


def test_a_review_stays_a_review_whatever_the_model_says() -> None:
    review = Reading(Outcome.REVIEW, (EMAIL,), "the wish to leave is negated")
    assert second(review, Answers(email=1.0, actable=1.0)) == review


def test_the_shipped_model_reads_words_in_no_language_as_no_opinion() -> None:
    # its answer on an empty text is its prior, which leans to a request: that must never count
    assert sr.model().known("にゃーーーーーーーーーーー", "") < sr.MIN_KNOWN


def test_a_damaged_model_file_is_refused_with_a_clear_error() -> None:
    blob = sr.MODEL.read_bytes()
    with pytest.raises(ValueError, match="not a second-reading model"):
        sr.parse(b"PK" + blob)
    with pytest.raises(ValueError, match="truncated"):
        sr.parse(blob[:-3])


def test_the_shipped_model_is_what_training_on_dev_makes() -> None:
    texts, ys = training.examples(load("dev"))
    assert training.agree(sr.model(), training.train(texts, ys), texts) <= 0.02


DEV = load("dev")


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(message=st.sampled_from(DEV))
def test_on_real_messages_the_second_reading_only_ever_sends_to_a_person(message: dict) -> None:  # type: ignore[type-arg]
    with mock.patch.object(sr, "review", lambda r, *_: r):
        alone = read(message)
    both = read(message)
    assert both == alone or both.kind is Kind.REVIEW, message["id"]
