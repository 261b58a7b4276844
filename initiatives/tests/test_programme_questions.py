"""A programme's impact questions: the services' rules and the project leader's pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from initiatives import services
from initiatives.tests.factories import ProgrammeFactory
from initiatives.tests.helpers import resolve, shown, text
from referrals.models import ImpactQuestion
from referrals.tests.factories import (
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    ImpactScoreFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, obj) -> str:
    return reverse(f"initiatives:{name}", args=[obj.pk])


def texts(programme) -> list[str]:
    """The programme's questions in the order they are asked."""
    return list(
        ImpactQuestion.objects.filter(programme=programme)
        .order_by("order", "pk")
        .values_list("text", flat=True)
    )


def scored(question, world) -> ImpactQuestion:
    """Give ``question`` a score at the start measurement of world.a's referral."""
    measurement = ImpactMeasurementFactory(referral=world.a.referral)
    ImpactScoreFactory(measurement=measurement, question=question, score=4)
    return question


@pytest.fixture
def questions(world):
    return [
        ImpactQuestionFactory(programme=world.a.programme, text="Leesplezier", order=1),
        ImpactQuestionFactory(programme=world.a.programme, text="Zelfvertrouwen", order=2),
        ImpactQuestionFactory(programme=world.a.programme, text="Spreekvaardigheid", order=3),
    ]


# --- services: adding -------------------------------------------------------------


def test_added_questions_are_asked_after_the_others_with_tidy_text(world):
    leader, programme = world.a.project_leader, world.a.programme

    first = services.impact_question_add(user=leader, programme=programme, text=" Leesplezier ")
    second = services.impact_question_add(
        user=leader, programme=programme, text="Durft  te\tspreken"
    )

    assert (first.text, first.order, first.is_active) == ("Leesplezier", 1, True)
    assert (second.text, second.order) == ("Durft te spreken", 2)
    assert texts(programme) == ["Leesplezier", "Durft te spreken"]


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_an_empty_question_is_refused(world, value):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_add(
            user=world.a.project_leader, programme=world.a.programme, text=value
        )

    assert "text" in exc.value.message_dict
    assert texts(world.a.programme) == []


def test_a_question_over_200_characters_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_add(
            user=world.a.project_leader, programme=world.a.programme, text="x" * 201
        )

    assert "text" in exc.value.message_dict
    assert texts(world.a.programme) == []


def test_a_question_the_programme_already_asks_is_refused_whatever_the_case(world, questions):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_add(
            user=world.a.project_leader, programme=world.a.programme, text="  leesPLEZIER"
        )

    assert exc.value.code == "duplicate"
    assert "Leesplezier" in exc.value.message_dict["text"][0]
    assert len(texts(world.a.programme)) == 3


def test_the_text_of_a_switched_off_question_is_refused_with_the_advice_to_switch_it_on(world):
    ImpactQuestionFactory(programme=world.a.programme, text="Leesplezier", is_active=False)

    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services.impact_question_add(
            user=world.a.project_leader, programme=world.a.programme, text="Leesplezier"
        )

    assert "Switch it on again" in exc.value.message_dict["text"][0]


def test_another_programme_may_ask_the_same_question(world, questions):
    other = ProgrammeFactory(initiative=world.a.initiative)

    question = services.impact_question_add(
        user=world.a.project_leader, programme=other, text="Leesplezier"
    )

    assert question.programme == other


@pytest.mark.parametrize(
    "who", ["b.project_leader", "a.volunteer_user", "a.municipal_official", "outsider"]
)
def test_only_the_initiatives_leaders_may_add_a_question(world, who):
    with pytest.raises(PermissionDenied):
        services.impact_question_add(
            user=resolve(world, who), programme=world.a.programme, text="Leesplezier"
        )

    assert texts(world.a.programme) == []


def test_an_administrator_may_add_a_question(world):
    question = services.impact_question_add(
        user=world.superuser, programme=world.a.programme, text="Leesplezier"
    )

    assert question.pk


# --- services: changing --------------------------------------------------------------


def test_an_unanswered_question_can_be_renamed_moved_and_switched_off(world, questions):
    question = questions[0]

    services.impact_question_update(
        user=world.a.project_leader,
        question=question,
        text="Plezier in lezen",
        order=9,
        is_active=False,
    )

    question.refresh_from_db()
    assert (question.text, question.order, question.is_active) == ("Plezier in lezen", 9, False)


def test_an_answered_question_cannot_be_renamed(world, questions):
    question = scored(questions[0], world)

    with pytest.raises(ValidationError) as exc:
        services.impact_question_update(
            user=world.a.project_leader,
            question=question,
            text="Plezier in lezen",
            order=1,
            is_active=True,
        )

    assert exc.value.code == "scored"
    assert "text" in exc.value.message_dict
    question.refresh_from_db()
    assert question.text == "Leesplezier"


def test_an_answered_question_can_be_switched_off_on_and_moved(world, questions):
    question = scored(questions[0], world)
    leader = world.a.project_leader

    services.impact_question_update(
        user=leader, question=question, text=" Leesplezier", order=7, is_active=False
    )
    question.refresh_from_db()
    assert (question.text, question.order, question.is_active) == ("Leesplezier", 7, False)

    services.impact_question_update(
        user=leader, question=question, text="Leesplezier", order=7, is_active=True
    )
    question.refresh_from_db()
    assert question.is_active
    assert question.scores.count() == 1


def test_renaming_to_a_question_the_programme_asks_is_refused(world, questions):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_update(
            user=world.a.project_leader,
            question=questions[0],
            text="zelfvertrouwen",
            order=1,
            is_active=True,
        )

    assert exc.value.code == "duplicate"
    questions[0].refresh_from_db()
    assert questions[0].text == "Leesplezier"


def test_renaming_to_an_empty_text_is_refused(world, questions):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_update(
            user=world.a.project_leader, question=questions[0], text=" ", order=1, is_active=True
        )

    assert "text" in exc.value.message_dict


@pytest.mark.parametrize("order", [-1, 32768])
def test_a_position_out_of_range_is_refused(world, questions, order):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_update(
            user=world.a.project_leader,
            question=questions[0],
            text="Leesplezier",
            order=order,
            is_active=True,
        )

    assert "order" in exc.value.message_dict
    questions[0].refresh_from_db()
    assert questions[0].order == 1


def test_moving_swaps_with_the_neighbour_and_numbers_the_questions_again(world):
    # As the admin may leave them: equal and sparse positions.
    a = ImpactQuestionFactory(programme=world.a.programme, text="A", order=0)
    b = ImpactQuestionFactory(programme=world.a.programme, text="B", order=0)
    c = ImpactQuestionFactory(programme=world.a.programme, text="C", order=40)
    leader = world.a.project_leader

    services.impact_question_move(user=leader, question=c, direction="up")
    assert texts(world.a.programme) == ["A", "C", "B"]

    services.impact_question_move(user=leader, question=a, direction="down")
    assert texts(world.a.programme) == ["C", "A", "B"]
    assert [q.order for q in ImpactQuestion.objects.filter(pk__in=[a.pk, b.pk, c.pk])] == [
        1,
        2,
        3,
    ]


@pytest.mark.parametrize(("index", "direction"), [(0, "up"), (2, "down")])
def test_the_first_cannot_move_up_nor_the_last_down(world, questions, index, direction):
    with pytest.raises(ValidationError) as exc:
        services.impact_question_move(
            user=world.a.project_leader, question=questions[index], direction=direction
        )

    assert exc.value.code == "at_end"
    assert texts(world.a.programme) == ["Leesplezier", "Zelfvertrouwen", "Spreekvaardigheid"]


# --- services: deleting -------------------------------------------------------------


def test_an_unanswered_question_can_be_deleted(world, questions):
    services.impact_question_delete(user=world.a.project_leader, question=questions[1])

    assert texts(world.a.programme) == ["Leesplezier", "Spreekvaardigheid"]


def test_an_answered_question_cannot_be_deleted(world, questions):
    question = scored(questions[0], world)

    with pytest.raises(ValidationError) as exc:
        services.impact_question_delete(user=world.a.project_leader, question=question)

    assert exc.value.code == "scored"
    assert ImpactQuestion.objects.filter(pk=question.pk).exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda user, q: services.impact_question_update(
            user=user, question=q, text="Anders", order=5, is_active=False
        ),
        lambda user, q: services.impact_question_move(user=user, question=q, direction="down"),
        lambda user, q: services.impact_question_delete(user=user, question=q),
    ],
    ids=["update", "move", "delete"],
)
@pytest.mark.parametrize("who", ["b.project_leader", "a.volunteer_user", "outsider"])
def test_only_the_initiatives_leaders_may_change_a_question(world, questions, call, who):
    with pytest.raises(PermissionDenied):
        call(resolve(world, who), questions[0])

    questions[0].refresh_from_db()
    assert (questions[0].text, questions[0].order, questions[0].is_active) == (
        "Leesplezier",
        1,
        True,
    )


# --- pages: who may open what ---------------------------------------------------------

QUESTION_PAGES = [
    ("get", "programme_question_edit"),
    ("post", "programme_question_edit"),
    ("get", "programme_question_delete"),
    ("post", "programme_question_delete"),
    ("post", "programme_question_move"),
    ("post", "programme_question_switch"),
]
POSTS = {
    "programme_question_edit": {"text": "Gekaapt", "order": "1"},
    "programme_question_move": {"direction": "down"},
    "programme_question_switch": {"is_active": "0"},
}


def request(client, method, name, obj):
    data = POSTS.get(name, {}) if method == "post" else {}
    return getattr(client, method)(url(name, obj), data)


@pytest.mark.parametrize("method", ["get", "post"])
def test_leader_of_another_initiative_gets_404_on_the_list(world, client_for, questions, method):
    client = client_for(world.b.project_leader)

    response = getattr(client, method)(url("programme_questions", world.a.programme), {"text": "X"})

    assert response.status_code == 404
    assert texts(world.a.programme) == ["Leesplezier", "Zelfvertrouwen", "Spreekvaardigheid"]


@pytest.mark.parametrize(("method", "name"), QUESTION_PAGES)
def test_leader_of_another_initiative_gets_404_on_every_question_page(
    world, client_for, questions, method, name
):
    response = request(client_for(world.b.project_leader), method, name, questions[0])

    assert response.status_code == 404
    questions[0].refresh_from_db()
    assert (questions[0].text, questions[0].order, questions[0].is_active) == (
        "Leesplezier",
        1,
        True,
    )


@pytest.mark.parametrize(
    ("method", "name"), [("get", "programme_questions"), ("post", "programme_questions")]
)
@pytest.mark.parametrize(
    "who", ["outsider", "a.volunteer_user", "a.school_referrer", "a.municipal_official"]
)
def test_non_leaders_get_403_on_the_list(world, client_for, questions, method, name, who):
    client = client_for(resolve(world, who))

    response = getattr(client, method)(url(name, world.a.programme), {"text": "Nieuw"})

    assert response.status_code == 403
    assert "Leesplezier" not in text(response)
    assert "Nieuw" not in texts(world.a.programme)


@pytest.mark.parametrize(("method", "name"), QUESTION_PAGES)
@pytest.mark.parametrize("who", ["outsider", "a.volunteer_user", "a.school_referrer"])
def test_non_leaders_get_403_on_every_question_page(
    world, client_for, questions, method, name, who
):
    response = request(client_for(resolve(world, who)), method, name, questions[0])

    assert response.status_code == 403
    assert "Leesplezier" not in text(response)
    assert ImpactQuestion.objects.filter(pk=questions[0].pk, text="Leesplezier").exists()


def test_anonymous_visitor_is_sent_to_log_in(client, world, questions):
    for path in (
        url("programme_questions", world.a.programme),
        url("programme_question_edit", questions[0]),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("name", ["programme_question_move", "programme_question_switch"])
def test_move_and_switch_take_only_posts(world, client_for, questions, name):
    response = client_for(world.a.project_leader).get(url(name, questions[0]))

    assert response.status_code == 405


def test_superuser_may_open_any_programmes_questions(world, client_for, questions):
    response = client_for(world.superuser).get(url("programme_questions", world.a.programme))

    assert response.status_code == 200
    assert "Leesplezier" in text(response)


# --- pages: what they show and do -------------------------------------------------------


def question_html(response, question) -> str:
    match = re.search(rf'data-question="{question.pk}".*?</li>', text(response), re.S)
    assert match, "question not on the page"
    return match.group(0)


def test_list_shows_the_questions_in_order_with_whether_asked_and_answered(
    world, client_for, questions
):
    scored(questions[1], world)
    questions[2].is_active = False
    questions[2].save()
    ImpactQuestionFactory(programme=world.b.programme, text="Vraag van Dordrecht")

    response = client_for(world.a.project_leader).get(url("programme_questions", world.a.programme))

    page = text(response)
    assert response.status_code == 200
    assert (
        page.index("Leesplezier") < page.index("Zelfvertrouwen") < page.index("Spreekvaardigheid")
    )
    assert "Vraag van Dordrecht" not in page
    first, answered, off = (question_html(response, q) for q in questions)
    assert 'data-asked="yes"' in first and 'data-scores="0"' in first
    assert 'data-scores="1"' in answered
    assert 'data-asked="no"' in off
    # An answered question offers no delete; the first no "up", the last no "down".
    assert url("programme_question_delete", questions[0]) in first
    assert url("programme_question_delete", questions[1]) not in answered
    assert 'value="up"' not in first and 'value="down"' in first
    assert 'value="down"' not in off and 'value="up"' in off


def test_leader_adds_a_question_on_the_page(world, client_for, questions):
    response = client_for(world.a.project_leader).post(
        url("programme_questions", world.a.programme), {"text": "Woordenschat"}
    )

    question = ImpactQuestion.objects.get(programme=world.a.programme, text="Woordenschat")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert texts(world.a.programme)[-1] == "Woordenschat"


def test_a_duplicate_on_the_page_is_a_form_error_and_saves_nothing(world, client_for, questions):
    response = client_for(world.a.project_leader).post(
        url("programme_questions", world.a.programme), {"text": "leesplezier"}
    )

    assert response.status_code == 200
    with translation.override("nl"):
        message = gettext("This programme already asks “%(text)s”.") % {"text": "Leesplezier"}
    assert escape(message) in text(response)
    assert len(texts(world.a.programme)) == 3


def test_an_empty_question_on_the_page_is_a_form_error(world, client_for):
    response = client_for(world.a.project_leader).post(
        url("programme_questions", world.a.programme), {"text": ""}
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in text(response)
    assert texts(world.a.programme) == []


def test_edit_page_changes_the_text_position_and_whether_asked(world, client_for, questions):
    client = client_for(world.a.project_leader)
    assert client.get(url("programme_question_edit", questions[0])).status_code == 200

    response = client.post(
        url("programme_question_edit", questions[0]), {"text": "Plezier in lezen", "order": "5"}
    )

    assert response.status_code == 302
    questions[0].refresh_from_db()
    assert (questions[0].text, questions[0].order, questions[0].is_active) == (
        "Plezier in lezen",
        5,
        False,
    )


def test_edit_page_of_an_answered_question_keeps_its_words(world, client_for, questions):
    question = scored(questions[0], world)
    client = client_for(world.a.project_leader)

    page = client.get(url("programme_question_edit", question))
    response = client.post(
        url("programme_question_edit", question),
        {"text": "Plezier in lezen", "order": "1", "is_active": ""},
    )

    assert re.search(r'<input[^>]*name="text"[^>]*disabled', text(page))
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.is_active) == ("Leesplezier", False)


def test_renaming_to_another_question_on_the_edit_page_is_a_form_error(
    world, client_for, questions
):
    response = client_for(world.a.project_leader).post(
        url("programme_question_edit", questions[0]),
        {"text": "Zelfvertrouwen", "order": "1", "is_active": "on"},
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in text(response)
    questions[0].refresh_from_db()
    assert questions[0].text == "Leesplezier"


def test_move_buttons_reorder_the_questions(world, client_for, questions):
    client = client_for(world.a.project_leader)

    response = client.post(url("programme_question_move", questions[2]), {"direction": "up"})
    assert response.status_code == 302
    assert texts(world.a.programme) == ["Leesplezier", "Spreekvaardigheid", "Zelfvertrouwen"]

    client.post(url("programme_question_move", questions[0]), {"direction": "down"})
    assert texts(world.a.programme) == ["Spreekvaardigheid", "Leesplezier", "Zelfvertrouwen"]


def test_moving_the_first_up_says_why_not(world, client_for, questions):
    response = client_for(world.a.project_leader).post(
        url("programme_question_move", questions[0]), {"direction": "up"}, follow=True
    )

    assert shown(response, "This question is asked first already.")
    assert texts(world.a.programme) == ["Leesplezier", "Zelfvertrouwen", "Spreekvaardigheid"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("programme_question_move", {"direction": "sideways"}),
        ("programme_question_switch", {"is_active": "maybe"}),
    ],
)
def test_a_tampered_move_or_switch_is_a_bad_request(world, client_for, questions, name, data):
    response = client_for(world.a.project_leader).post(url(name, questions[0]), data)

    assert response.status_code == 400


def test_switching_off_stops_asking_at_the_impact_measurement_and_on_asks_again(
    world, client_for, questions
):
    question = scored(questions[0], world)
    client = client_for(world.a.project_leader)
    impact_page = reverse("referrals:impact_record", args=[world.a.referral.pk])

    response = client.post(url("programme_question_switch", question), {"is_active": "0"})
    question.refresh_from_db()

    assert response.status_code == 302
    assert not question.is_active
    assert question.scores.count() == 1
    page = text(client.get(impact_page))
    assert f'name="question_{question.pk}"' not in page
    assert f'name="question_{questions[1].pk}"' in page

    client.post(url("programme_question_switch", question), {"is_active": "1"})
    question.refresh_from_db()
    assert question.is_active
    assert f'name="question_{question.pk}"' in text(client.get(impact_page))


def test_an_unanswered_question_is_deleted_after_confirming(world, client_for, questions):
    client = client_for(world.a.project_leader)

    confirm = client.get(url("programme_question_delete", questions[1]))
    response = client.post(url("programme_question_delete", questions[1]))

    assert confirm.status_code == 200
    assert "Zelfvertrouwen" in text(confirm)
    assert response.status_code == 302
    assert texts(world.a.programme) == ["Leesplezier", "Spreekvaardigheid"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_answered_question_is_not_deleted_and_the_page_says_why(
    world, client_for, questions, method
):
    question = scored(questions[0], world)

    response = getattr(client_for(world.a.project_leader), method)(
        url("programme_question_delete", question), follow=True
    )

    assert shown(
        response,
        "This question has been answered already, so it cannot be deleted: its scores "
        "would lose their meaning. Switch it off instead.",
    )
    assert ImpactQuestion.objects.filter(pk=question.pk).exists()


def test_settings_page_links_to_the_questions_of_each_programme(world, client_for, questions):
    second = ProgrammeFactory(initiative=world.a.initiative, name="Voorleesgroep")

    response = client_for(world.a.project_leader).get(
        url("initiative_settings", world.a.initiative)
    )

    page = text(response)
    assert url("programme_questions", world.a.programme) in page
    assert url("programme_questions", second) in page
    assert url("programme_questions", world.b.programme) not in page
    row = re.search(rf'data-programme="{world.a.programme.pk}".*?</tr>', page, re.S).group(0)
    assert re.search(r"data-asked>\s*3\s*<", row)


# --- query counts -------------------------------------------------------------------------


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_page_queries_do_not_grow_with_the_number_of_questions(world, client_for):
    client = client_for(world.a.project_leader)
    path = url("programme_questions", world.a.programme)
    measurement = ImpactMeasurementFactory(referral=world.a.referral)
    first = ImpactQuestionFactory(programme=world.a.programme, text="Vraag 0")
    ImpactScoreFactory(measurement=measurement, question=first)
    one = count_queries(client, path)

    for n in range(1, 8):
        question = ImpactQuestionFactory(
            programme=world.a.programme, text=f"Vraag {n}", order=n, is_active=n % 3 > 0
        )
        if n % 2:
            ImpactScoreFactory(measurement=measurement, question=question)
    many = count_queries(client, path)

    assert many == one


def test_settings_page_queries_do_not_grow_with_the_number_of_programmes(world, client_for):
    client = client_for(world.a.project_leader)
    path = url("initiative_settings", world.a.initiative)
    one = count_queries(client, path)

    for n in range(4):
        programme = ProgrammeFactory(initiative=world.a.initiative)
        ImpactQuestionFactory(programme=programme, text=f"Vraag {n}")
    many = count_queries(client, path)

    assert many == one
