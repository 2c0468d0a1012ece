"""Demo learning: two paths, five courses on the demo videos, a class with learners
at every stage, and a certificate the demo viewer earned.

Everything is made through the learning services as its author or learner
would: courses, modules, lessons and questions through `authoring_service`
(so every question's spec is validated), paths through `path_service`,
enrolments through `course_service`, watching through
`progress_service.on_playback` (the server-measured coverage of heartbeats),
articles through `mark_done`, quizzes through `attempt_service` (graded on the
server). So the roll-ups (a course's lessons and duration, a learner's
completed lessons, the certificate) are the services' own.

What has no service yet is written as rows: prerequisites between courses,
the quiz settings of the final quizzes, and the class with its members and
assignments (the class service is being built; issue 13).

The courses show the demo videos, which `cosmostream demo` makes after the
domains' demo data; until the videos a course needs exist, this does nothing
(the command runs the domains' demo loaders again once the videos are made).
It is all or nothing in one unit of work: once the demo courses exist,
loading again changes nothing.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.demo import ADA, CARL, VERA, demo_actor, demo_users
from cosmostream.account.schemas import Actor
from cosmostream.account.service import account_service
from cosmostream.engagement.signals import PlaybackStep
from cosmostream.kit.time import utcnow
from cosmostream.learning import expressions, grading
from cosmostream.learning.attempts import attempt_service
from cosmostream.learning.authoring import CourseFields, authoring_service
from cosmostream.learning.authoring_repository import authoring_repository
from cosmostream.learning.courses import course_service
from cosmostream.learning.paths import path_service
from cosmostream.learning.progress import progress_service
from cosmostream.learning.repository import learning_repository
from cosmostream.models import (
    ClassAssignment,
    ClassMember,
    Course,
    CoursePrerequisite,
    LearningClass,
    Lesson,
    LessonKind,
    Level,
    PathOrder,
    Role,
    User,
    Video,
)

# -- what the demo teaches ---------------------------------------------------------


@dataclass(frozen=True)
class DemoQuestion:
    prompt: str
    spec: dict[str, Any]
    at_seconds: float | None = None  # asked inside a video lesson at this second
    points: int = 1


@dataclass(frozen=True)
class DemoLesson:
    kind: LessonKind
    title: str
    clip: str | None = None  # title prefix of one of the instructor's demo videos
    seconds: float = 0.0  # the clip's length, while the pipeline has not probed it
    body: str = ""
    sky: dict[str, Any] | None = None
    questions: tuple[DemoQuestion, ...] = ()
    required: bool = True
    completion_percent: int = 90
    credits_from: float | None = None


@dataclass(frozen=True)
class DemoModule:
    title: str
    lessons: tuple[DemoLesson, ...]
    requires_previous: bool = False
    unlock_in_days: int | None = None


@dataclass(frozen=True)
class DemoCourse:
    title: str
    instructor: str
    topic: str
    level: Level
    summary: str
    description: str
    modules: tuple[DemoModule, ...]
    premium: bool = False
    requires: tuple[str, ...] = ()  # titles of the courses to complete first
    max_attempts: int | None = None  # of its quizzes


@dataclass(frozen=True)
class DemoPath:
    title: str
    author: str
    level: Level
    order: PathOrder
    description: str
    courses: tuple[str, ...]


# Where the sky questions are asked: Greenwich, on autumn and summer evenings.
GREENWICH = (51.4779, -0.0015)
AUTUMN_EVENING = "2026-10-15T21:00:00+00:00"
SUMMER_EVENING = "2026-08-15T21:30:00+00:00"
# The demo viewer's place for questions about her own sky: Paris.
ADA_PLACE = (48.8566, 2.3522)


def _single(*options: tuple[str, str, bool], explanation: str = "") -> dict[str, Any]:
    return {
        "kind": "single",
        "choices": [{"id": i, "text": t, "correct": c} for i, t, c in options],
        "explanation": explanation,
    }


FIRST_NIGHT = DemoCourse(
    "Your first night under the stars",
    CARL,
    "education",
    Level.BEGINNER,
    "Find your way around the night sky with your eyes and a pair of binoculars.",
    "A first course in naked-eye astronomy: star-hopping to the Andromeda Galaxy, "
    "how astronomers measure brightness, a meteor shower, and a real sky-map task. "
    "Finish it to earn a certificate.",
    (
        DemoModule(
            "Getting started",
            (
                DemoLesson(
                    LessonKind.VIDEO,
                    "Star-hopping to the Andromeda Galaxy",
                    clip="How to find the Andromeda Galaxy",
                    seconds=5,
                    credits_from=4.5,
                    questions=(
                        DemoQuestion(
                            "Which constellation's W do you start the hop from?",
                            _single(
                                ("cas", "Cassiopeia", True),
                                ("ori", "Orion", False),
                                ("uma", "Ursa Major", False),
                                explanation="The W of Cassiopeia points down to Andromeda.",
                            ),
                            at_seconds=2.0,
                        ),
                    ),
                ),
                DemoLesson(
                    LessonKind.ARTICLE,
                    "How bright is a star? The magnitude scale",
                    body=(
                        "Astronomers measure brightness in **magnitudes**: the larger the "
                        "number, the fainter the star. Five magnitudes are exactly a "
                        "factor of 100 in flux, so one magnitude is $100^{1/5} \\approx "
                        "2.512$ times.\n\n"
                        "For two stars with fluxes $F_1$ and $F_2$:\n\n"
                        "$$m_1 - m_2 = -2.5 \\log_{10} \\frac{F_1}{F_2}$$\n\n"
                        "Vega is about magnitude $0$; the faintest stars you can see from "
                        "a dark site are about $m = 6$, some $10^{6/2.5} \\approx 250$ "
                        "times fainter. The Andromeda Galaxy shines at $m \\approx 3.4$, "
                        "spread over an area several times the full Moon."
                    ),
                ),
            ),
        ),
        DemoModule(
            "Under the sky",
            (
                DemoLesson(
                    LessonKind.SKY,
                    "Find the Andromeda Galaxy yourself",
                    body=(
                        "The sky map opens over Greenwich on a mid-October evening, "
                        "looking east. Hop from Cassiopeia to the Andromeda Galaxy and "
                        "centre the map on it."
                    ),
                    sky={
                        "lat": GREENWICH[0],
                        "lon": GREENWICH[1],
                        "at": AUTUMN_EVENING,
                        "alt": 50,
                        "az": 80,
                        "fov": 70,
                    },
                    questions=(
                        DemoQuestion(
                            "Point the sky map at M31, the Andromeda Galaxy, as seen from "
                            "Greenwich on 15 October 2026 at 21:00 UTC.",
                            {
                                "kind": "sky",
                                "target": "M31",
                                "latitude": GREENWICH[0],
                                "longitude": GREENWICH[1],
                                "at": AUTUMN_EVENING,
                                "tolerance_degrees": 3,
                                "explanation": "M31 stands high in the east at that hour.",
                            },
                        ),
                    ),
                ),
                DemoLesson(
                    LessonKind.VIDEO,
                    "A night of shooting stars",
                    clip="Perseid meteor shower",
                    seconds=4,
                    questions=(
                        DemoQuestion(
                            "The Perseids seem to come from one point of the sky. In which "
                            "constellation is it?",
                            {
                                "kind": "text",
                                "accepted": ["Perseus"],
                                "explanation": "Hence the name: the radiant is in Perseus.",
                            },
                            at_seconds=2.0,
                        ),
                    ),
                ),
                DemoLesson(
                    LessonKind.QUIZ,
                    "Check your first night",
                    questions=(
                        DemoQuestion(
                            "Which of these can you see with the naked eye from a dark site?",
                            {
                                "kind": "multiple",
                                "choices": [
                                    {"id": "m31", "text": "The Andromeda Galaxy", "correct": True},
                                    {"id": "m45", "text": "The Pleiades", "correct": True},
                                    {"id": "nep", "text": "Neptune", "correct": False},
                                    {"id": "pro", "text": "Proxima Centauri", "correct": False},
                                ],
                                "explanation": "Neptune is magnitude 7.8 and Proxima 11.",
                            },
                        ),
                        DemoQuestion(
                            "How far away is the Andromeda Galaxy, in light-years?",
                            {
                                "kind": "numeric",
                                "answer": "2.5e6",
                                "unit": "ly",
                                "tolerance": "0.2e6",
                                "explanation": "About 2.5 million light-years (765 kpc).",
                            },
                        ),
                        DemoQuestion(
                            "Put these from brightest to faintest.",
                            {
                                "kind": "ordering",
                                "items": [
                                    {"id": "venus", "text": "Venus (-4.5)"},
                                    {"id": "sirius", "text": "Sirius (-1.5)"},
                                    {"id": "vega", "text": "Vega (0.0)"},
                                    {"id": "m31", "text": "The Andromeda Galaxy (3.4)"},
                                ],
                                "explanation": "Smaller magnitudes are brighter.",
                            },
                        ),
                        DemoQuestion(
                            "Point the sky map at Vega as seen from Greenwich on 15 August "
                            "2026 at 21:30 UTC.",
                            {
                                "kind": "sky",
                                "target": "Vega",
                                "latitude": GREENWICH[0],
                                "longitude": GREENWICH[1],
                                "at": SUMMER_EVENING,
                                "tolerance_degrees": 3,
                                "explanation": "Vega is almost overhead on summer evenings.",
                            },
                        ),
                        DemoQuestion(
                            "Star A has magnitude $m_A$ and star B magnitude $m_B$ (values "
                            "below). How many times brighter is A than B? Use "
                            "$F_A / F_B = 10^{(m_B - m_A)/2.5}$.",
                            {
                                "kind": "computed",
                                "mode": "formula",
                                "parameters": {
                                    "m_a": {"low": 0, "high": 2, "step": 0.5},
                                    "m_b": {"low": 3, "high": 6, "step": 0.5},
                                },
                                "formula": "10 ** ((m_b - m_a) / 2.5)",
                                "tolerance": "0.02",
                                "explanation": "Each magnitude is a factor of 2.512.",
                            },
                        ),
                        DemoQuestion(
                            "When does Mars next rise where you are? Give the time with "
                            "its offset from UTC.",
                            {
                                "kind": "computed",
                                "mode": "event",
                                "body": "Mars",
                                "event": "rise",
                                "tolerance_minutes": 10,
                                "explanation": "Computed for your place with Skyfield.",
                            },
                        ),
                    ),
                ),
            ),
            requires_previous=True,
        ),
    ),
    max_attempts=3,
)

MOON_AND_PLANETS = DemoCourse(
    "The Moon and the planets by eye",
    VERA,
    "planets",
    Level.BEGINNER,
    "Why the Moon shows one face, and how Kepler's laws time the planets.",
    "From tidal locking to Saturn's rings: what you can see of the Solar System "
    "without a telescope, and the law that sets every planet's year.",
    (
        DemoModule(
            "Our Moon",
            (
                DemoLesson(
                    LessonKind.VIDEO,
                    "One face, one orbit",
                    clip="Why the Moon always shows us the same face",
                    seconds=4,
                    questions=(
                        DemoQuestion(
                            "How many times does the Moon turn on its axis in one orbit?",
                            _single(
                                ("zero", "Never", False),
                                ("one", "Once", True),
                                ("two", "Twice", False),
                                explanation="Once per orbit: that is tidal locking.",
                            ),
                            at_seconds=2.5,
                        ),
                    ),
                ),
                DemoLesson(
                    LessonKind.ARTICLE,
                    "Kepler's third law",
                    body=(
                        "Kepler found in 1619 that the square of a planet's year is "
                        "proportional to the cube of its orbit's size:\n\n"
                        "$$T^2 \\propto a^3$$\n\n"
                        "Newton gave the constant: for a small body around a mass $M$,\n\n"
                        "$$T^2 = \\frac{4 \\pi^2}{G M} a^3$$\n\n"
                        "With $T$ in years and $a$ in astronomical units, around the Sun "
                        "this is simply $T = a^{3/2}$: Jupiter, at $a = 5.2$ au, takes "
                        "$5.2^{1.5} \\approx 11.9$ years."
                    ),
                ),
            ),
        ),
        DemoModule(
            "The planets",
            (
                DemoLesson(
                    LessonKind.VIDEO,
                    "Saturn's rings up close",
                    clip="Saturn's rings from Cassini",
                    seconds=5,
                ),
                DemoLesson(
                    LessonKind.QUIZ,
                    "Orbits and years",
                    questions=(
                        DemoQuestion(
                            "A planet orbits the Sun at $a$ au (value below). How long is "
                            "its year, in years?",
                            {
                                "kind": "computed",
                                "mode": "formula",
                                "parameters": {"a": {"low": 1, "high": 30, "step": 0.5}},
                                "formula": "a ** 1.5",
                                "unit": "yr",
                                "tolerance": "0.02",
                                "explanation": "T = a^(3/2) in years and au.",
                            },
                        ),
                        DemoQuestion(
                            "How long does the Moon take to orbit the Earth once (sidereal "
                            "month), in days?",
                            {
                                "kind": "numeric",
                                "answer": "27.3",
                                "unit": "d",
                                "tolerance": "0.2",
                                "explanation": "27.32 days; the phases repeat every 29.5.",
                            },
                        ),
                        DemoQuestion(
                            "Which planet has the most prominent rings?",
                            {"kind": "text", "accepted": ["Saturn"]},
                        ),
                    ),
                ),
            ),
        ),
    ),
    requires=(FIRST_NIGHT.title,),
)

STARS_AND_NEBULAE = DemoCourse(
    "Stars and nebulae of the winter sky",
    VERA,
    "stars",
    Level.INTERMEDIATE,
    "Orion as a map: star-hopping, a stellar nursery and double stars.",
    "Learn the winter constellations around Orion, then look inside the Orion "
    "Nebula and at stars that come in pairs.",
    (
        DemoModule(
            "Orion",
            (
                DemoLesson(
                    LessonKind.VIDEO,
                    "Finding your way around Orion",
                    clip="Star-hopping 101",
                    seconds=4,
                ),
                DemoLesson(
                    LessonKind.VIDEO,
                    "Inside the Orion Nebula",
                    clip="Inside the Orion Nebula",
                    seconds=5,
                    completion_percent=80,
                ),
                DemoLesson(
                    LessonKind.VIDEO,
                    "Two suns, one orbit",
                    clip="Binary stars",
                    seconds=4,
                    required=False,
                ),
                DemoLesson(
                    LessonKind.QUIZ,
                    "The life of a star",
                    questions=(
                        DemoQuestion(
                            "Put the stages of a Sun-like star's life in order.",
                            {
                                "kind": "ordering",
                                "items": [
                                    {"id": "cloud", "text": "A collapsing gas cloud"},
                                    {"id": "main", "text": "Main sequence"},
                                    {"id": "giant", "text": "Red giant"},
                                    {"id": "dwarf", "text": "White dwarf"},
                                ],
                            },
                        ),
                        DemoQuestion(
                            "Orion's belt points down to the brightest star of the night "
                            "sky. Which one?",
                            {"kind": "text", "accepted": ["Sirius", "Alpha Canis Majoris"]},
                        ),
                    ),
                ),
            ),
        ),
    ),
)

ROCKETS_101 = DemoCourse(
    "Rockets 101: from the pad to orbit",
    CARL,
    "rockets",
    Level.BEGINNER,
    "What happens between ignition and orbit, and the equation behind it.",
    "Follow a launch from the pad lights to orbit, see why rockets have stages, and "
    "work with Tsiolkovsky's rocket equation.",
    (
        DemoModule(
            "Launch",
            (
                DemoLesson(
                    LessonKind.VIDEO,
                    "A night launch, start to orbit",
                    clip="Night launch from Cape Canaveral",
                    seconds=5,
                    questions=(
                        DemoQuestion(
                            "Why does the exhaust plume spread out as the rocket climbs?",
                            _single(
                                ("air", "The air around it gets thinner", True),
                                ("fuel", "The engines burn more fuel", False),
                                ("cold", "The air gets colder", False),
                            ),
                            at_seconds=3.0,
                        ),
                    ),
                ),
                DemoLesson(
                    LessonKind.ARTICLE,
                    "The rocket equation",
                    body=(
                        "Konstantin Tsiolkovsky's equation (1903) says how much a rocket "
                        "can change its speed:\n\n"
                        "$$\\Delta v = v_e \\ln \\frac{m_0}{m_f}$$\n\n"
                        "where $v_e$ is the exhaust speed, $m_0$ the mass at ignition "
                        "and $m_f$ the mass when the engines stop. Reaching low Earth "
                        "orbit takes about $\\Delta v \\approx 9.4$ km/s including "
                        "losses, with $v_e \\approx 3$ km/s, so $m_0/m_f \\approx "
                        "e^{3.1} \\approx 23$: more than 95 % of a rocket is propellant. "
                        "That is why rockets drop empty stages on the way up."
                    ),
                ),
                DemoLesson(
                    LessonKind.VIDEO,
                    "Hot staging",
                    clip="Starship flight test",
                    seconds=4,
                ),
            ),
        ),
        DemoModule(
            "Check",
            (
                DemoLesson(
                    LessonKind.QUIZ,
                    "Rocket science, really",
                    questions=(
                        DemoQuestion(
                            "A stage with exhaust speed $v_e$ burns from mass $m_0$ down to "
                            "$m_f$ (values below, $v_e$ in km/s). What is its $\\Delta v$ "
                            "in km/s?",
                            {
                                "kind": "computed",
                                "mode": "formula",
                                "parameters": {
                                    "v_e": {"low": 2.5, "high": 4.5, "step": 0.1},
                                    "m_0": {"low": 300, "high": 600, "step": 10},
                                    "m_f": {"low": 50, "high": 150, "step": 5},
                                },
                                "formula": "v_e * log(m_0 / m_f)",
                                "unit": "km/s",
                                "tolerance": "0.02",
                            },
                        ),
                        DemoQuestion(
                            "How fast does a satellite in low Earth orbit go?",
                            {
                                "kind": "numeric",
                                "answer": "7.8",
                                "unit": "km/s",
                                "tolerance": "0.2",
                                "explanation": "About 7.8 km/s: once round in 90 minutes.",
                            },
                        ),
                        DemoQuestion(
                            "Put the events of a launch in order.",
                            {
                                "kind": "ordering",
                                "items": [
                                    {"id": "liftoff", "text": "Liftoff"},
                                    {"id": "maxq", "text": "Max-Q"},
                                    {"id": "meco", "text": "Main engine cut-off"},
                                    {"id": "sep", "text": "Stage separation"},
                                    {"id": "seco", "text": "Second engine cut-off"},
                                ],
                            },
                        ),
                    ),
                ),
            ),
        ),
    ),
)

ORBITS = DemoCourse(
    "Orbits for launch watchers",
    CARL,
    "missions",
    Level.ADVANCED,
    "Orbital speed, transfers and launch windows, with a live session to come.",
    "For those who finished Rockets 101: why orbits have the speeds they have, how "
    "probes chase comets, and when the next launch window opens.",
    (
        DemoModule(
            "Orbital speed",
            (
                DemoLesson(
                    LessonKind.VIDEO,
                    "Two years alongside a comet",
                    clip="Rosetta at comet 67P",
                    seconds=4,
                ),
                DemoLesson(
                    LessonKind.ARTICLE,
                    "Circular orbits",
                    body=(
                        "In a circular orbit of radius $r$ around a mass $M$, gravity "
                        "provides exactly the centripetal force:\n\n"
                        "$$\\frac{G M m}{r^2} = \\frac{m v^2}{r} \\quad\\Rightarrow\\quad "
                        "v = \\sqrt{\\frac{G M}{r}}$$\n\n"
                        "Just above the atmosphere, $r \\approx 6{,}771$ km, this gives "
                        "$v \\approx 7.7$ km/s."
                    ),
                ),
                DemoLesson(
                    LessonKind.QUIZ,
                    "Orbital speed",
                    questions=(
                        DemoQuestion(
                            "A satellite circles the Earth $h$ km above the surface (value "
                            "below). How fast does it go, in km/s?",
                            {
                                "kind": "computed",
                                "mode": "formula",
                                "parameters": {"h": {"low": 300, "high": 2000, "step": 50}},
                                "formula": "sqrt(G * M_earth / (R_earth + h * 1000)) / 1000",
                                "unit": "km/s",
                                "tolerance": "0.01",
                            },
                        ),
                    ),
                ),
            ),
        ),
        DemoModule(
            "Live: the next launch window",
            (
                DemoLesson(
                    LessonKind.ARTICLE,
                    "Watching the launch together",
                    body="Notes for the live session: the window, the trajectory, the landing.",
                ),
            ),
            requires_previous=True,
            unlock_in_days=10,
        ),
    ),
    premium=True,
    requires=(ROCKETS_101.title,),
)

COURSES = [FIRST_NIGHT, MOON_AND_PLANETS, STARS_AND_NEBULAE, ROCKETS_101, ORBITS]

PATHS = [
    DemoPath(
        "Naked-eye astronomy",
        VERA,
        Level.BEGINNER,
        PathOrder.SEQUENTIAL,
        "From your first night out to the Moon, the planets and the winter stars: "
        "everything you can learn about the sky without a telescope.",
        (FIRST_NIGHT.title, MOON_AND_PLANETS.title, STARS_AND_NEBULAE.title),
    ),
    DemoPath(
        "Rockets and orbits",
        CARL,
        Level.INTERMEDIATE,
        PathOrder.FREE,
        "How rockets reach orbit and what orbits are: for everyone who watches launches.",
        (ROCKETS_101.title, ORBITS.title),
    ),
]


# -- the class and its learners ---------------------------------------------------


@dataclass(frozen=True)
class DemoLearner:
    email: str
    name: str
    # (course title, how far: "complete", "half", "started", "enrolled", "failed once")
    courses: tuple[tuple[str, str], ...] = field(default_factory=tuple)


CLASS_NAME = "Astronomy 101 — Tuesday group"
CLASS_TEACHER = VERA
CLASS_CODE = "TUESDAY-ASTRO-101"
# The learners of the class: the demo viewer and four more, at different stages.
LEARNERS = [
    DemoLearner(
        ADA,
        "Ada Stargazer",
        (
            (FIRST_NIGHT.title, "complete"),
            (MOON_AND_PLANETS.title, "half"),
            (ROCKETS_101.title, "started"),
        ),
    ),
    DemoLearner(
        "mira@example.com",
        "Mira Lopez",
        ((FIRST_NIGHT.title, "complete"), (MOON_AND_PLANETS.title, "enrolled")),
    ),
    DemoLearner("tomas@example.com", "Tomás Novak", ((FIRST_NIGHT.title, "failed once"),)),
    DemoLearner("kofi@example.com", "Kofi Mensah", ((FIRST_NIGHT.title, "half"),)),
    DemoLearner("lena@example.com", "Lena Berg", ((FIRST_NIGHT.title, "enrolled"),)),
]
# (course or path title, due in days: negative is overdue)
ASSIGNMENTS = [(FIRST_NIGHT.title, -3), (PATHS[0].title, 21)]


# -- correct answers, from a stored spec ------------------------------------------


def correct_response(
    spec: grading.QuestionSpec, attempt: grading.Attempt, salt: str
) -> dict[str, Any]:
    """The response that earns full marks for this learner's attempt, worked out from
    the stored spec as the server grades it (the demo's learners answer with it)."""
    match spec:
        case grading.ChoiceSpec():
            return {"choices": [c.id for c in spec.choices if c.correct]}
        case grading.NumericSpec():
            return {"value": str(spec.answer), "unit": spec.unit or ""}
        case grading.TextSpec():
            return {"text": spec.accepted[0]}
        case grading.OrderingSpec():
            return {"order": [item.id for item in spec.items]}
        case grading.SkySpec():
            altitude, azimuth = grading.apparent_altaz(
                spec.target, spec.latitude, spec.longitude, spec.at
            )
            return {"altitude": round(altitude, 3), "azimuth": round(azimuth, 3)}
        case grading.FormulaSpec():
            parameters = grading.present(spec, attempt, salt)["parameters"]
            tree = expressions.compile_formula(spec.formula, set(spec.parameters))
            value = expressions.evaluate(tree, parameters)
            return {"value": f"{value:.6g}", "unit": spec.unit or ""}
        case grading.EventSpec():
            assert attempt.latitude is not None
            assert attempt.longitude is not None
            moment = grading.next_event(
                spec.body, spec.event, attempt.latitude, attempt.longitude, attempt.started_at
            )
            return {"time": (moment or attempt.started_at).astimezone(UTC).isoformat()}
    raise AssertionError(spec)  # pragma: no cover - the union is exhaustive


# -- loading --------------------------------------------------------------------------


@dataclass
class _Built:
    course: Course
    lessons: list[tuple[Lesson, DemoLesson]]


async def load(session: AsyncSession) -> int:
    """The demo paths, courses, class and learners' progress, unless they exist or the
    demo videos they show do not yet. Returns how many courses were made."""
    users = await demo_users(session)
    if not {VERA, CARL, ADA} <= users.keys():
        return 0
    authors = {email: users[email] for email in (VERA, CARL)}
    existing = await session.scalar(
        select(Course.id).where(
            Course.title.in_([c.title for c in COURSES]),
            Course.instructor_id.in_([u.id for u in authors.values()]),
        )
    )
    if existing is not None:
        return 0
    videos = await _videos(session, authors)
    if not _clips() <= videos.keys():
        return 0  # `cosmostream demo` loads this again once it has made the videos

    built: dict[str, _Built] = {}
    for spec in COURSES:
        built[spec.title] = await _course(session, spec, users, videos, built)
    for path in PATHS:
        actor = demo_actor(users[path.author])
        made = await path_service.create(
            session, actor, path.title, path.description, path.order, path.level
        )
        for title in path.courses:
            await path_service.add_course(session, actor, made.slug, built[title].course.slug)
        await path_service.publish(session, actor, made.slug)

    learners = await _learners(session, users)
    for learner in LEARNERS:
        actor = demo_actor(learners[learner.email])
        for title, stage in learner.courses:
            await _take(session, actor, built[title], stage)
    await _class(session, users[CLASS_TEACHER], learners, built)
    await session.flush()
    return len(built)


def _clips() -> set[tuple[str, str]]:
    """(creator, clip title prefix) of every demo video a course shows."""
    return {
        (course.instructor, lesson.clip)
        for course in COURSES
        for module in course.modules
        for lesson in module.lessons
        if lesson.clip
    }


async def _videos(session: AsyncSession, authors: dict[str, User]) -> dict[tuple[str, str], Video]:
    """The demo creators' videos, by (creator, clip title prefix) for the clips used."""
    clips = _clips()
    owners = {u.id: email for email, u in authors.items()}
    found: dict[tuple[str, str], Video] = {}
    for video in await session.scalars(select(Video).where(Video.owner_id.in_(owners))):
        for creator, prefix in clips:
            if owners[video.owner_id] == creator and video.title.startswith(prefix):
                found.setdefault((creator, prefix), video)
    return found


async def _course(
    session: AsyncSession,
    spec: DemoCourse,
    users: dict[str, User],
    videos: dict[tuple[str, str], Video],
    built: dict[str, _Built],
) -> _Built:
    actor = demo_actor(users[spec.instructor])
    course = await authoring_service.create_course(
        session,
        actor,
        CourseFields(
            title=spec.title,
            summary=spec.summary,
            description=spec.description,
            level=spec.level,
            premium=spec.premium,
            category_slug=spec.topic,
        ),
    )
    now = utcnow()
    lessons: list[tuple[Lesson, DemoLesson]] = []
    for module_spec in spec.modules:
        module = await authoring_service.add_module(
            session,
            actor,
            course.id,
            module_spec.title,
            unlock_at=(
                now + timedelta(days=module_spec.unlock_in_days)
                if module_spec.unlock_in_days
                else None
            ),
            requires_previous=module_spec.requires_previous,
        )
        for item in module_spec.lessons:
            video = videos[(spec.instructor, item.clip)] if item.clip else None
            probed = video is not None and bool(video.duration_seconds)
            lesson = await authoring_service.add_lesson(
                session,
                actor,
                module.id,
                item.kind,
                item.title,
                video_id=video.id if video else None,
                body=item.body,
                sky=item.sky,
                required=item.required,
                completion_percent=item.completion_percent,
                credits_from=item.credits_from if probed else None,
            )
            if video is not None and not probed:
                # Not probed yet (the worker processes the demo videos after this):
                # the clip's known length, and the credits it ends with.
                lesson.duration_seconds = round(item.seconds)
                lesson.credits_from = item.credits_from
            for question in item.questions:
                await authoring_service.add_question(
                    session,
                    actor,
                    lesson.id,
                    question.prompt,
                    question.spec,
                    points=question.points,
                    at_seconds=question.at_seconds,
                )
            if item.kind is LessonKind.QUIZ and spec.max_attempts is not None:
                quiz = await authoring_repository.quiz_of(session, lesson.id)
                assert quiz is not None
                quiz.max_attempts = spec.max_attempts
            lessons.append((lesson, item))
    for title in spec.requires:
        session.add(CoursePrerequisite(course_id=course.id, requires_id=built[title].course.id))
    await authoring_service.publish(session, actor, course.id)  # rolls the lessons up
    return _Built(course, lessons)


async def _learners(session: AsyncSession, users: dict[str, User]) -> dict[str, User]:
    """The demo viewer and the class's other learners (made when missing; nobody signs
    in as them, so their passwords are random)."""
    learners = {ADA: users[ADA]}
    for learner in LEARNERS:
        if learner.email in learners:
            continue
        user = await session.scalar(select(User).where(User.email == learner.email))
        if user is None:
            user = await account_service.create_user(
                session,
                email=learner.email,
                password=secrets.token_urlsafe(24),
                role=Role.VIEWER,
                display_name=learner.name,
                check_password=False,
            )
        learners[learner.email] = user
    await session.flush()
    return learners


async def _take(session: AsyncSession, actor: Actor, built: _Built, stage: str) -> None:
    """A learner enrols and goes as far as `stage` through the course, in order."""
    await course_service.enrol(session, actor, built.course.slug)
    required = [pair for pair in built.lessons if pair[0].required]
    if stage == "enrolled":
        return
    if stage == "started":
        lesson, item = required[0]
        await _watch(session, actor, lesson, item, 0.4)
        return
    if stage == "failed once":
        done, rest = required[:-1], []
    elif stage == "half":
        done, rest = required[: len(required) // 2], required[len(required) // 2 :][:1]
    else:
        done, rest = required, []
    for lesson, item in done:
        await _complete(session, actor, lesson, item)
    for lesson, item in rest:  # the next lesson, begun
        if lesson.kind is LessonKind.VIDEO:
            await _watch(session, actor, lesson, item, 0.5)
    if stage == "failed once":
        lesson, item = required[-1]
        await _answer(session, actor, lesson, right=1)


async def _complete(session: AsyncSession, actor: Actor, lesson: Lesson, item: DemoLesson) -> None:
    match lesson.kind:
        case LessonKind.VIDEO:
            await _watch(session, actor, lesson, item, 1.0)
            if item.questions:
                await _answer(session, actor, lesson)
        case LessonKind.ARTICLE:
            await progress_service.mark_done(session, actor, lesson.id)
        case LessonKind.SKY | LessonKind.QUIZ:
            await _answer(session, actor, lesson)


async def _watch(
    session: AsyncSession, actor: Actor, lesson: Lesson, item: DemoLesson, share: float
) -> None:
    """Player heartbeats as engagement reports them, covering `share` of the video."""
    assert lesson.video_id is not None
    duration = float(lesson.duration_seconds or item.seconds)
    position, now = 0.0, utcnow()
    while position < duration * share:
        to = min(duration * share, position + 2.0)
        await progress_service.on_playback(
            session,
            PlaybackStep(
                user_id=actor.id,
                video_id=lesson.video_id,
                duration=duration,
                from_position=position,
                to_position=to,
                elapsed_seconds=to - position,
                playing=True,
                at=now,
            ),
        )
        position = to


async def _answer(
    session: AsyncSession, actor: Actor, lesson: Lesson, *, right: int | None = None
) -> None:
    """Take the lesson's quiz in one attempt: every answer right, or only the first
    `right` (and the rest unanswered)."""
    quiz = await authoring_repository.quiz_of(session, lesson.id)
    assert quiz is not None
    view = await attempt_service.start(
        session, actor, quiz.id, latitude=ADA_PLACE[0], longitude=ADA_PLACE[1]
    )
    context = grading.Attempt(
        seed=view.attempt.seed,
        started_at=view.attempt.started_at,
        latitude=view.attempt.latitude,
        longitude=view.attempt.longitude,
    )
    answers: dict[uuid.UUID, dict[str, Any]] = {}
    for question in await learning_repository.questions(session, quiz.id):
        if right is not None and len(answers) >= right:
            break
        spec = grading.parse_spec(question.spec)
        answers[question.id] = correct_response(spec, context, str(question.id))
    await attempt_service.submit(session, actor, view.attempt.id, answers)


async def _class(
    session: AsyncSession, teacher: User, learners: dict[str, User], built: dict[str, _Built]
) -> None:
    now = utcnow()
    taught = LearningClass(
        teacher_id=teacher.id,
        name=CLASS_NAME,
        join_code=CLASS_CODE,
        created_at=now - timedelta(days=30),
    )
    session.add(taught)
    await session.flush()
    for n, learner in enumerate(LEARNERS):
        session.add(
            ClassMember(
                class_id=taught.id,
                user_id=learners[learner.email].id,
                joined_at=now - timedelta(days=29 - n),
            )
        )
    paths = {
        p.title: p.id
        for p in await path_service.browse(session)
        if p.title in {x.title for x in PATHS}
    }
    for title, due_in_days in ASSIGNMENTS:
        session.add(
            ClassAssignment(
                class_id=taught.id,
                course_id=built[title].course.id if title in built else None,
                path_id=paths.get(title),
                due_at=now + timedelta(days=due_in_days),
                created_at=now - timedelta(days=28),
            )
        )
    await session.flush()
