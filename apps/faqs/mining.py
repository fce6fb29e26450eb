"""FAQ candidates: cluster the customer questions the bot did not understand (issue 7 item 7).

1. Collect customer messages of the last N days whose bot reply was a FALLBACK (or the hand-off
   after repeated misses), a CLARIFY, or an answer below LOW_CONFIDENCE. Their text was masked
   on arrival (apps/chat/services.py), so no PII enters a candidate.
2. Turn each distinct question into the NLU's own features (apps/nlu): content morphemes from
   the process-wide Kiwi plus "~concept" features from the CS lexicon, so "택배" and "배송",
   "비번" and "비밀번호" meet. Concepts weigh CONCEPT_WEIGHT times a plain morpheme.
3. TF-IDF (scikit-learn) over those features, cosine distances, average-linkage agglomerative
   clustering cut at DISTANCE_THRESHOLD.
4. Each cluster's representative is its medoid (the question closest to all the others,
   weighted by how often each was asked); clusters of MIN_COUNT+ messages are stored as
   `FaqCandidate` rows, replacing the previous run's NEW rows in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from apps.chat.models import Message, MessageSender
from apps.core.exceptions import ApplicationError
from apps.core.pii import mask_pii
from apps.faqs import services
from apps.faqs.models import Category, Faq, FaqCandidate, FaqCandidateStatus, FaqStatus
from apps.nlu.lexicon import CONCEPT_PREFIX, concepts, default_lexicon
from apps.nlu.morph import content_morphemes_many
from apps.nlu.normalize import fix_keyboard_layout, normalize

DAYS = 7
LOW_CONFIDENCE = 0.25
# What a question is about is carried by its nouns; verbs (바꾸다, 하다) are shared by every
# topic. Feature weights on top of TF-IDF: topic concepts (~배송, ~비밀번호) count most, action
# concepts (~변경, ~조회: concepts with a verb variant) like a plain word, predicates least.
TOPIC_CONCEPT_WEIGHT = 2.0
ACTION_CONCEPT_WEIGHT = 1.0
PREDICATE_WEIGHT = 0.5
# Average cosine distance at which two groups stop merging. Paraphrases sharing one concept
# and nothing else sit near 0.6-0.7; unrelated questions at 1.0.
DISTANCE_THRESHOLD = 0.8
MIN_COUNT = 2
MAX_EXAMPLES = 5
# Distinct questions clustered per run (the most frequent first): the distance matrix is
# MAX_QUESTIONS² floats, 32 MB at 2,000.
MAX_QUESTIONS = 2000
DRAFT_CATEGORY = "미분류 (FAQ 후보)"


@dataclass
class Question:
    text: str  # as the customer wrote it (masked)
    message_ids: list[int]
    features: list[str]

    @property
    def count(self) -> int:
        return len(self.message_ids)


@dataclass
class Cluster:
    label: str
    signature: str
    count: int
    examples: list[dict]


# -- 1. collect ------------------------------------------------------------------------------


def missed_questions(*, start: datetime, end: datetime) -> list[tuple[int, str]]:
    """(message id, text) of customer messages whose bot reply missed, oldest first."""
    missed = (
        Q(replies__next_action__in=["FALLBACK", "CLARIFY"])
        | Q(replies__intent="fallback")
        | Q(replies__confidence__lt=LOW_CONFIDENCE, replies__next_action="ANSWER")
    )
    qs = (
        Message.objects.filter(
            sender=MessageSender.CUSTOMER,
            created_at__gte=start,
            created_at__lt=end,
            replies__sender=MessageSender.BOT,
        )
        .filter(missed)
        .order_by("created_at", "pk")
        .values_list("pk", "text")
        .distinct()
    )
    return list(qs)


# -- 2. features -----------------------------------------------------------------------------


def _key(text: str) -> str:
    # Mask again: a message stored before a new PII rule must not surface in admin.
    return normalize(fix_keyboard_layout(mask_pii(text)))


def questions_from(messages: list[tuple[int, str]]) -> list[Question]:
    grouped: dict[str, Question] = {}
    for pk, text in messages:
        key = _key(text)
        if not key:
            continue
        question = grouped.setdefault(key, Question(mask_pii(text).strip(), [], []))
        question.message_ids.append(pk)
    ranked = sorted(grouped.items(), key=lambda kv: -kv[1].count)[:MAX_QUESTIONS]
    morphemes = content_morphemes_many([key for key, _q in ranked])
    for (_key_text, question), found in zip(ranked, morphemes, strict=True):
        question.features = [*found, *concepts(found)]
    return [q for _k, q in ranked if q.features]


@lru_cache(maxsize=1)
def _action_concepts() -> frozenset[str]:
    lexicon = default_lexicon()
    return frozenset(
        CONCEPT_PREFIX + concept
        for variant, found in lexicon.entries.items()
        if len(variant) == 1 and variant[0].endswith("다")
        for concept in found
    )


def _weight(feature: str) -> float:
    if feature.startswith(CONCEPT_PREFIX):
        return ACTION_CONCEPT_WEIGHT if feature in _action_concepts() else TOPIC_CONCEPT_WEIGHT
    # content_morphemes emits predicates as lemmas ("바꾸다"); nouns never end in 다 there.
    return PREDICATE_WEIGHT if feature.endswith("다") else 1.0


def _matrix(questions: list[Question]) -> tuple[sp.csr_matrix, list[str]]:
    vectorizer = TfidfVectorizer(
        analyzer=lambda features: features, sublinear_tf=True, lowercase=False
    )
    matrix = vectorizer.fit_transform([q.features for q in questions]).tocsc()
    names = [str(n) for n in vectorizer.get_feature_names_out()]
    weights = np.array([_weight(n) for n in names])
    matrix = matrix @ sp.diags(weights)
    return l2_normalize(matrix.tocsr()), names


# -- 3. cluster ------------------------------------------------------------------------------


def cluster_labels(matrix: sp.csr_matrix) -> np.ndarray:
    n = matrix.shape[0]
    if n < 2:
        return np.zeros(n, dtype=int)
    similarity = (matrix @ matrix.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=DISTANCE_THRESHOLD,
    )
    return model.fit_predict(distance)


# -- 4. summarise ----------------------------------------------------------------------------


def _summarise(
    members: list[int], questions: list[Question], matrix: sp.csr_matrix, names: list[str]
) -> Cluster:
    counts = np.array([questions[i].count for i in members], dtype=float)
    rows = matrix[members]
    # Medoid: the question with the highest count-weighted similarity to the whole cluster.
    closeness = (rows @ rows.T).toarray() @ counts
    order = sorted(range(len(members)), key=lambda j: (-closeness[j], -counts[j]))
    label = questions[members[order[0]]].text
    centroid = np.asarray(rows.T @ counts).ravel()
    top = [names[i] for i in np.argsort(-centroid)[:3] if centroid[i] > 0]
    examples = []
    by_count = sorted(members, key=lambda i: -questions[i].count)
    for i in by_count[:MAX_EXAMPLES]:
        examples.append({"message_id": questions[i].message_ids[-1], "text": questions[i].text})
    return Cluster(label[:300], " ".join(sorted(top))[:200], int(counts.sum()), examples)


def cluster_questions(messages: list[tuple[int, str]]) -> list[Cluster]:
    questions = questions_from(messages)
    if not questions:
        return []
    matrix, names = _matrix(questions)
    labels = cluster_labels(matrix)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    clusters = [_summarise(m, questions, matrix, names) for m in groups.values()]
    return sorted(clusters, key=lambda c: (-c.count, c.label))


# -- services --------------------------------------------------------------------------------


@transaction.atomic
def faq_candidates_mine(*, days: int = DAYS, now: datetime | None = None) -> list[FaqCandidate]:
    """Replace the NEW candidates with this run's clusters; running twice gives the same rows."""
    end = now or timezone.now()
    start = end - timedelta(days=days)
    clusters = cluster_questions(missed_questions(start=start, end=end))
    decided = set(
        FaqCandidate.objects.exclude(status=FaqCandidateStatus.NEW).values_list(
            "signature", flat=True
        )
    )
    FaqCandidate.objects.filter(status=FaqCandidateStatus.NEW).delete()
    rows = [
        FaqCandidate(
            label=c.label,
            signature=c.signature,
            count=c.count,
            examples=c.examples,
            period_start=start,
            period_end=end,
        )
        for c in clusters
        if c.count >= MIN_COUNT and c.signature not in decided
    ]
    return FaqCandidate.objects.bulk_create(rows)


@transaction.atomic
def faq_candidate_create_draft(*, candidate: FaqCandidate, user: User) -> Faq:
    """A DRAFT FAQ through the normal create path (faq_save): the representative question,
    the other examples as alternatives, no answer yet. Category "미분류 (FAQ 후보)" until the
    writer picks one; the draft then goes draft → review → published like any other FAQ."""
    candidate = FaqCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != FaqCandidateStatus.NEW:
        raise ApplicationError(
            _("'%(label)s': 이미 처리된 후보입니다.") % {"label": candidate.label},
            code="conflict",
        )
    category, _created = Category.objects.get_or_create(
        slug="faq-candidates", defaults={"name": DRAFT_CATEGORY, "order": 999}
    )
    faq = Faq(category=category, question=candidate.label, answer="", status=FaqStatus.DRAFT)
    alternatives = [t[:300] for t in candidate.example_texts if t != candidate.label]
    faq = services.faq_save(faq=faq, user=user, alternatives=alternatives)
    candidate.status, candidate.faq = FaqCandidateStatus.DRAFTED, faq
    candidate.save(update_fields=["status", "faq", "updated_at"])
    return faq


def faq_candidate_dismiss(*, candidate: FaqCandidate) -> bool:
    updated = FaqCandidate.objects.filter(pk=candidate.pk, status=FaqCandidateStatus.NEW).update(
        status=FaqCandidateStatus.DISMISSED, updated_at=timezone.now()
    )
    return bool(updated)
