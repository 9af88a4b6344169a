"""Demo content for the exercise library: the exercises named in the clinic's Maigne's syndrome
post, written for patients at home, and two program templates built from them."""

_STOP = (
    "Stop and contact the clinic if it brings on sharp pain, "
    "or pain, numbness or tingling down a leg."
)

EXERCISES: list[dict] = [
    {
        "name": "Segmental cat-camel",
        "slug": "segmental-cat-camel",
        "purpose": (
            "Gets the spine moving one segment at a time, with attention on the area where the "
            "mid back meets the low back (T12 to L2)."
        ),
        "starting_position": (
            "On your hands and knees on a mat. Hands under your shoulders, knees under your hips, "
            "back flat and neck long."
        ),
        "steps": "\n".join(
            [
                "Breathe in to get ready.",
                "Breathing out, tuck your tailbone under and let your back round up towards the "
                "ceiling, one section at a time, from the bottom up.",
                "Let your head drop gently at the end.",
                "Breathing in, reverse it: tip your tailbone back and let your back sink slowly, "
                "one section at a time, until you look forward.",
                "Return to a flat back and repeat, slowly.",
            ]
        ),
        "cues": "\n".join(
            [
                "Think of your spine moving like a wave, one bone after the next.",
                "Spend the most time around the bottom of your ribs.",
                "Keep your arms straight and your weight even.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Rushing, so the whole back moves as one block.",
                "Sinking into the low back instead of moving through the whole spine.",
                "Bending the elbows to fake the movement.",
            ]
        ),
        "precautions": (
            "Move only in a comfortable range; it should feel like easy stretching. "
            "If kneeling hurts, put a folded towel under your knees. " + _STOP
        ),
        "body_region": "mid_back",
        "equipment": "mat",
        "difficulty": 1,
        "sets": 2,
        "reps": 8,
        "hold_seconds": None,
        "side": "",
        "load": "",
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 7,
        "easier": [],
    },
    {
        "name": "Foam-roller thoracolumbar extension",
        "slug": "foam-roller-thoracolumbar-extension",
        "purpose": (
            "Uses a foam roller to bring the area where the mid back meets the low back into "
            "extension, to retrain how that part of the spine moves."
        ),
        "starting_position": (
            "Sit on the floor with knees bent and feet flat. Lie back so the foam roller sits "
            "across your back, just below your shoulder blades. Support your head with both hands, "
            "elbows pointing forward."
        ),
        "steps": "\n".join(
            [
                "Lift your hips slightly or keep them on the floor, whichever is more comfortable.",
                "Breathe out and let your upper back ease back over the roller, "
                "keeping your head supported.",
                "Pause for a breath, then bring yourself back up.",
                "Move the roller a little lower and repeat, staying above the bottom of your ribs.",
            ]
        ),
        "cues": "\n".join(
            [
                "Keep your ribs heavy; bend over the roller, not from the low back.",
                "Let your hands take the weight of your head.",
                "Small, slow movements are enough.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Rolling the roller down into the low back.",
                "Arching the low back and flaring the ribs to go further.",
                "Pulling on the neck with the hands.",
            ]
        ),
        "precautions": (
            "Keep the roller on the mid back, not the low back or neck. "
            "Ease off if it feels like pressure on a bone. " + _STOP
        ),
        "body_region": "mid_back",
        "equipment": "foam_roller",
        "difficulty": 1,
        "sets": 1,
        "reps": 8,
        "hold_seconds": None,
        "side": "",
        "load": "",
        "rest_seconds": None,
        "times_per_day": 1,
        "days_per_week": 7,
        "easier": [],
    },
    {
        "name": "Quadruped T-spine rotation",
        "slug": "quadruped-t-spine-rotation",
        "purpose": (
            "Improves turning in the mid back, so the area where the mid back meets the low back "
            "(T12 to L2) has less to make up for."
        ),
        "starting_position": (
            "On your hands and knees on a mat, hands under shoulders and knees under hips. "
            "Sit back a little towards your heels and place one hand behind your head."
        ),
        "steps": "\n".join(
            [
                "Breathe in and turn your chest down, bringing that elbow towards your other arm.",
                "Breathe out and turn your chest up, pointing the elbow towards the ceiling.",
                "Let your eyes follow the elbow.",
                "Pause at the top, then return slowly.",
                "Finish the reps, then switch sides.",
            ]
        ),
        "cues": "\n".join(
            [
                "Turn from the chest, not the hips.",
                "Keep your hips still and level over your knees.",
                "Push the floor away with the supporting hand.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Letting the hips swing to make the turn look bigger.",
                "Flapping the elbow back without the chest turning.",
                "Holding the breath.",
            ]
        ),
        "precautions": (
            "Turn only as far as is comfortable. If kneeling hurts, pad your knees. " + _STOP
        ),
        "body_region": "mid_back",
        "equipment": "mat",
        "difficulty": 1,
        "sets": 2,
        "reps": 8,
        "hold_seconds": None,
        "side": "each",
        "load": "",
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 7,
        "easier": [],
    },
    {
        "name": "Dead bug with heel taps",
        "slug": "dead-bug-heel-taps",
        "purpose": (
            "A gentler dead bug: trains the deep core with your pelvis and ribs held steady in "
            "neutral, so the low back does not take over."
        ),
        "starting_position": (
            "Lie on your back on a mat. Lift your legs so your hips and knees are bent to a right "
            "angle, knees over hips. Arms can rest by your sides."
        ),
        "steps": "\n".join(
            [
                "Breathe out and gently draw your lower ribs down towards your pelvis.",
                "Keeping the knee bent, slowly lower one foot until the heel taps the floor.",
                "Bring it back up to the start.",
                "Repeat with the other leg. That is one rep.",
            ]
        ),
        "cues": "\n".join(
            [
                "Keep your low back quietly in contact with the mat.",
                "Move slowly; the tap should be light.",
                "Keep breathing throughout.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Letting the low back arch off the mat as the leg lowers.",
                "Dropping the leg quickly instead of lowering it.",
                "Holding your breath.",
            ]
        ),
        "precautions": "If your back starts to arch, make the movement smaller. " + _STOP,
        "body_region": "core",
        "equipment": "mat",
        "difficulty": 1,
        "sets": 2,
        "reps": 8,
        "hold_seconds": None,
        "side": "",
        "load": "",
        "rest_seconds": 45,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": [],
    },
    {
        "name": "Dead bug",
        "slug": "dead-bug",
        "purpose": (
            "Trains the deep core with your pelvis and ribs held steady in neutral, so the low "
            "back does not take over."
        ),
        "starting_position": (
            "Lie on your back on a mat. Lift your legs so your hips and knees are bent to a right "
            "angle, knees over hips. Reach both arms straight up towards the ceiling."
        ),
        "steps": "\n".join(
            [
                "Breathe out and gently draw your lower ribs down towards your pelvis.",
                "Slowly lower one arm back overhead while you straighten the opposite leg "
                "out towards the floor.",
                "Go only as far as you can without your back arching.",
                "Bring both back to the start.",
                "Repeat with the other arm and leg. That is one rep.",
            ]
        ),
        "cues": "\n".join(
            [
                "Keep your low back quietly in contact with the mat.",
                "Reach long through the heel and the fingertips.",
                "Breathe out as you reach.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Letting the ribs flare and the low back arch.",
                "Going too low with the leg too soon.",
                "Rushing through the reps.",
            ]
        ),
        "precautions": ("If your back arches, shorten the reach or go back to heel taps. " + _STOP),
        "body_region": "core",
        "equipment": "mat",
        "difficulty": 2,
        "sets": 3,
        "reps": 8,
        "hold_seconds": None,
        "side": "",
        "load": "",
        "rest_seconds": 45,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": ["dead-bug-heel-taps"],
    },
    {
        "name": "Pallof press, half-kneeling or standing",
        "slug": "pallof-press",
        "purpose": (
            "Trains the trunk to resist twisting, to build stability around the area where the "
            "mid back meets the low back."
        ),
        "starting_position": (
            "Anchor a band at chest height to something solid. Stand side-on to it, feet hip-width "
            "apart, or kneel on the knee nearest the anchor with the other foot in front. "
            "Hold the band with both hands at the middle of your chest."
        ),
        "steps": "\n".join(
            [
                "Step away until the band is gently taut.",
                "Breathe out and press your hands straight out in front of your chest.",
                "Hold briefly without letting the band turn you.",
                "Bring your hands slowly back to your chest.",
                "Finish the reps, then turn around and do the other side.",
            ]
        ),
        "cues": "\n".join(
            [
                "Stand or kneel tall, ribs stacked over your pelvis.",
                "Keep your chest and hips facing straight ahead.",
                "Squeeze your glutes gently to stay steady.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Letting the band twist your body towards the anchor.",
                "Leaning back or arching the low back.",
                "Shrugging the shoulders up.",
            ]
        ),
        "precautions": (
            "Check the band and anchor before you start. Use a lighter band if you cannot stay "
            "still. " + _STOP
        ),
        "body_region": "core",
        "equipment": "band",
        "difficulty": 2,
        "sets": 2,
        "reps": 10,
        "hold_seconds": 2,
        "side": "each",
        "load": "light band",
        "rest_seconds": 45,
        "times_per_day": 1,
        "days_per_week": 4,
        "easier": [],
    },
    {
        "name": "Bird dog with a controlled reach",
        "slug": "bird-dog",
        "purpose": "Practises holding a neutral spine while the arms and legs move.",
        "starting_position": (
            "On your hands and knees on a mat, hands under shoulders and knees under hips. "
            "Back flat, neck long, eyes on the floor."
        ),
        "steps": "\n".join(
            [
                "Breathe out and gently brace your stomach.",
                "Slowly slide one leg back and reach the opposite arm forward, "
                "until both are in line with your body.",
                "Hold for a breath without letting your back move.",
                "Bring them back slowly, then repeat on the other side.",
            ]
        ),
        "cues": "\n".join(
            [
                "Imagine a glass of water balanced on your low back.",
                "Reach long rather than high.",
                "Keep your hips level, both facing the floor.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Lifting the leg too high so the low back arches.",
                "Letting the hip roll open to one side.",
                "Moving fast and losing balance.",
            ]
        ),
        "precautions": (
            "If balance is hard, move the leg only at first. Pad your knees if kneeling hurts. "
            + _STOP
        ),
        "body_region": "core",
        "equipment": "mat",
        "difficulty": 2,
        "sets": 2,
        "reps": 8,
        "hold_seconds": 3,
        "side": "each",
        "load": "",
        "rest_seconds": 45,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": [],
    },
    {
        "name": "90/90 hip lift with breathing",
        "slug": "hip-lift-90-90",
        "purpose": (
            "Helps reset the position of the pelvis and reduce a forward tilt of the pelvis "
            "(anterior pelvic tilt)."
        ),
        "starting_position": (
            "Lie on your back with your feet flat on a wall, or your calves resting on a bench or "
            "chair, so your hips and knees are bent to a right angle. Arms relaxed by your sides."
        ),
        "steps": "\n".join(
            [
                "Press your heels gently down into the wall or bench.",
                "Lift your tailbone just off the floor, only a few centimetres.",
                "Breathe in through your nose, then breathe out fully through your mouth, letting "
                "your lower ribs soften down.",
                "Stay there for four or five slow breaths, then lower your tailbone slowly.",
            ]
        ),
        "cues": "\n".join(
            [
                "Feel the back of your thighs working, not your low back.",
                "Let the breath out slowly and completely.",
                "Keep your neck and shoulders relaxed.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Lifting the hips high into a bridge.",
                "Breathing into the chest and shoulders.",
                "Pushing with the toes instead of the heels.",
            ]
        ),
        "precautions": "If the back of your thigh cramps, rest and shake it out. " + _STOP,
        "body_region": "hip",
        "equipment": "bench",
        "difficulty": 1,
        "sets": 3,
        "reps": None,
        "hold_seconds": 30,
        "side": "",
        "load": "",
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 7,
        "easier": [],
    },
    {
        "name": "Side-lying clamshell",
        "slug": "side-lying-clamshell",
        "purpose": (
            "Wakes up the glutes and the back of the hips without the low back compensating."
        ),
        "starting_position": (
            "Lie on your side with your hips and knees bent, heels in line with your bottom. "
            "Rest your head on your lower arm. A light band around the thighs is optional."
        ),
        "steps": "\n".join(
            [
                "Keep your feet together.",
                "Slowly lift your top knee, opening your legs like a clamshell.",
                "Pause at the top.",
                "Lower the knee slowly.",
                "Finish the reps, then turn over and do the other side.",
            ]
        ),
        "cues": "\n".join(
            [
                "Keep your top hip stacked over the bottom one.",
                "Feel the work in the side of your bottom.",
                "Only lift as far as you can without your pelvis rolling back.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Rolling the pelvis backwards to lift the knee higher.",
                "Letting the feet come apart.",
                "Rushing the lowering.",
            ]
        ),
        "precautions": (
            "Start without a band and add one only when the movement feels easy. " + _STOP
        ),
        "body_region": "hip",
        "equipment": "none",
        "difficulty": 1,
        "sets": 2,
        "reps": 12,
        "hold_seconds": None,
        "side": "each",
        "load": "",
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": [],
    },
    {
        "name": "Glute bridge",
        "slug": "glute-bridge",
        "purpose": (
            "Wakes up the glutes and the back of the hips without the low back compensating."
        ),
        "starting_position": (
            "Lie on your back on a mat with knees bent and feet flat, hip-width apart, "
            "heels a hand's length from your bottom. Arms by your sides."
        ),
        "steps": "\n".join(
            [
                "Breathe out and gently draw your lower ribs down.",
                "Squeeze your glutes and push through your heels to lift your hips.",
                "Stop when your body forms a straight line from shoulders to knees.",
                "Hold briefly, then lower slowly, one section of the back at a time.",
            ]
        ),
        "cues": "\n".join(
            [
                "Lead with your glutes, not your back.",
                "Keep your knees pointing forward, in line with your feet.",
                "Keep your ribs down at the top.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Pushing the hips too high and arching the low back.",
                "Letting the knees fall in or out.",
                "Feeling it mostly in the back of the thighs: move your feet a little closer.",
            ]
        ),
        "precautions": "Keep the lift smooth and within a comfortable range. " + _STOP,
        "body_region": "hip",
        "equipment": "mat",
        "difficulty": 1,
        "sets": 3,
        "reps": 10,
        "hold_seconds": 2,
        "side": "",
        "load": "",
        "rest_seconds": 45,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": [],
    },
    {
        "name": "Short-lever Copenhagen plank, knee on the bench",
        "slug": "short-lever-copenhagen-plank",
        "purpose": (
            "An easier Copenhagen plank to strengthen the muscles on the inside of the thigh "
            "(the adductors)."
        ),
        "starting_position": (
            "Lie on your side next to a sturdy bench, propped up on your forearm with the elbow "
            "under your shoulder. Rest the inside of your top knee on the bench, with the lower "
            "leg bent underneath you."
        ),
        "steps": "\n".join(
            [
                "Breathe out and press your top knee down into the bench.",
                "Lift your hips so your body is in a straight line from head to knee.",
                "Hold, breathing steadily.",
                "Lower your hips gently to the floor.",
                "Rest, then do the other side.",
            ]
        ),
        "cues": "\n".join(
            [
                "Push the floor away with your forearm.",
                "Keep your hips stacked, not rolling forward or back.",
                "Feel the work on the inside of your top thigh.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Letting the hips sag towards the floor.",
                "Holding the breath.",
                "Holding for longer than you can keep good form.",
            ]
        ),
        "precautions": (
            "Use a bench or chair that cannot slide. Stop if you feel pain in the groin or "
            "knee. " + _STOP
        ),
        "body_region": "hip",
        "equipment": "bench",
        "difficulty": 2,
        "sets": 3,
        "reps": None,
        "hold_seconds": 15,
        "side": "each",
        "load": "",
        "rest_seconds": 45,
        "times_per_day": 1,
        "days_per_week": 3,
        "easier": [],
    },
    {
        "name": "Copenhagen plank",
        "slug": "copenhagen-plank",
        "purpose": (
            "Strengthens the muscles on the inside of the thigh (the adductors), which can "
            "weaken when the nerves at T12 to L2 are irritated."
        ),
        "starting_position": (
            "Lie on your side next to a sturdy bench, propped up on your forearm with the elbow "
            "under your shoulder. Rest the inside of your top foot and ankle on the bench, "
            "with the lower leg underneath."
        ),
        "steps": "\n".join(
            [
                "Breathe out and press your top foot down into the bench.",
                "Lift your hips so your body is in a straight line from head to foot.",
                "Lift the lower leg off the floor if you can, or leave it resting lightly.",
                "Hold, breathing steadily, then lower gently.",
                "Rest, then do the other side.",
            ]
        ),
        "cues": "\n".join(
            [
                "Push the floor away with your forearm.",
                "Keep your body long and your hips stacked.",
                "Feel the work on the inside of your top thigh.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Letting the hips sag or pike.",
                "Moving up to this version before the knee version feels easy.",
                "Holding the breath.",
            ]
        ),
        "precautions": (
            "Use a bench that cannot slide. Go back to the knee version if you feel strain in "
            "the groin or knee. " + _STOP
        ),
        "body_region": "hip",
        "equipment": "bench",
        "difficulty": 3,
        "sets": 3,
        "reps": None,
        "hold_seconds": 20,
        "side": "each",
        "load": "",
        "rest_seconds": 60,
        "times_per_day": 1,
        "days_per_week": 3,
        "easier": ["short-lever-copenhagen-plank"],
    },
    {
        "name": "Hip-hinge drill with a dowel",
        "slug": "hip-hinge-dowel-drill",
        "purpose": (
            "Teaches a hip hinge in which the area where the mid back meets the low back no "
            "longer has to compensate."
        ),
        "starting_position": (
            "Stand with feet hip-width apart, knees soft. Hold a dowel or broomstick along your "
            "back so it touches the back of your head, between your shoulder blades and your "
            "tailbone: one hand behind your neck, the other behind your low back."
        ),
        "steps": "\n".join(
            [
                "Breathe out and gently brace your stomach.",
                "Push your hips back as if closing a drawer behind you, letting your chest tip "
                "forward.",
                "Keep all three points on the dowel as you go.",
                "Stop when you feel a stretch in the back of your thighs.",
                "Squeeze your glutes and drive your hips forward to stand tall.",
            ]
        ),
        "cues": "\n".join(
            [
                "Hips back, not down.",
                "Head, upper back and tailbone stay on the dowel.",
                "Keep your weight in the middle of your feet.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Rounding the back so the dowel leaves the upper back or tailbone.",
                "Bending the knees into a squat.",
                "Leaning back at the top.",
            ]
        ),
        "precautions": "Move slowly and only as far as you can keep contact with the dowel. "
        + _STOP,
        "body_region": "low_back",
        "equipment": "dowel",
        "difficulty": 1,
        "sets": 2,
        "reps": 10,
        "hold_seconds": None,
        "side": "",
        "load": "",
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": [],
    },
    {
        "name": "Neutral-rib lockout drill",
        "slug": "neutral-rib-lockout-drill",
        "purpose": (
            "Practises finishing a hinge or deadlift standing tall, with the ribs stacked over the "
            "pelvis, to avoid over-extending the spine at lockout."
        ),
        "starting_position": (
            "Stand with feet hip-width apart, holding a dowel or broomstick in front of your "
            "thighs with both hands, arms straight."
        ),
        "steps": "\n".join(
            [
                "Hinge forward at the hips, sliding the dowel down to just above your knees.",
                "Breathe out and gently draw your lower ribs down towards your pelvis.",
                "Squeeze your glutes and push your hips forward to stand up.",
                "Stop when you are tall, with your ribs over your pelvis; hold for a breath.",
                "Repeat slowly.",
            ]
        ),
        "cues": "\n".join(
            [
                "Finish tall, not leaning back.",
                "Glutes finish the movement, not the low back.",
                "Picture your ribs stacked right above your hips.",
            ]
        ),
        "common_mistakes": "\n".join(
            [
                "Leaning back at the top and arching the low back.",
                "Flaring the ribs or lifting the chest to finish.",
                "Pushing the hips too far forward past the feet.",
            ]
        ),
        "precautions": "Practise with a dowel before using it with any weight. " + _STOP,
        "body_region": "low_back",
        "equipment": "dowel",
        "difficulty": 1,
        "sets": 2,
        "reps": 10,
        "hold_seconds": None,
        "side": "",
        "load": "",
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 5,
        "easier": [],
    },
]


def _item(slug: str, note: str = "", sets=None, reps=None, hold_seconds=None) -> dict:
    return {
        "exercise": slug,
        "sets": sets,
        "reps": reps,
        "hold_seconds": hold_seconds,
        "note": note,
    }


TEMPLATES: list[dict] = [
    {
        "name": "Maigne's syndrome — four phases",
        "description": (
            "Four two-week phases following the clinic's Maigne's syndrome post: mobility at the "
            "thoracolumbar junction, deep-core stability, pelvis and hip function, then posture "
            "and movement retraining."
        ),
        "phases": [
            {
                "name": "Thoracolumbar mobility",
                "first_week": 1,
                "weeks": 2,
                "exercises": [
                    _item("segmental-cat-camel", "Slowly, one segment at a time."),
                    _item("foam-roller-thoracolumbar-extension"),
                    _item("quadruped-t-spine-rotation"),
                ],
            },
            {
                "name": "Deep-core stability",
                "first_week": 3,
                "weeks": 2,
                "exercises": [
                    _item("dead-bug", "Use heel taps if your back arches."),
                    _item("pallof-press"),
                    _item("bird-dog"),
                ],
            },
            {
                "name": "Pelvis and hip function",
                "first_week": 5,
                "weeks": 2,
                "exercises": [
                    _item("hip-lift-90-90"),
                    _item("side-lying-clamshell"),
                    _item("glute-bridge"),
                    _item("copenhagen-plank", "Start with the knee on the bench."),
                ],
            },
            {
                "name": "Posture and movement retraining",
                "first_week": 7,
                "weeks": 2,
                "exercises": [
                    _item("hip-hinge-dowel-drill"),
                    _item("neutral-rib-lockout-drill", "Finish tall, ribs over pelvis."),
                ],
            },
        ],
    },
    {
        "name": "Low back — gentle start",
        "description": "Four easy exercises to get the back moving and the core and hips working.",
        "phases": [
            {
                "name": "Getting moving",
                "first_week": 1,
                "weeks": 4,
                "exercises": [
                    _item("segmental-cat-camel"),
                    _item("glute-bridge"),
                    _item("dead-bug-heel-taps"),
                    _item("bird-dog"),
                ],
            },
        ],
    },
]
