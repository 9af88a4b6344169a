"""Demo content for the clinic in Bend, Oregon: its facts, in PhysioFit's own words.

Facts (name, address, phone, email, hours, conditions, symptoms, exercises) come from the
clinic's current site; the sentences are ours. Nothing here makes a medical claim the clinic
does not make itself.
"""

from datetime import date, time, timedelta

CLINIC = {
    "name": "PhysioFit",
    "tagline": "Physical therapy · Bend, Oregon",
    "phone": "(541) 697-4700",
    "email": "info@physiofitbend.com",
    "street_address": "1332 NE 2nd St",
    "locality": "Bend",
    "region": "OR",
    "postal_code": "97701",
    "country": "US",
    # The clinic's own page gives this as its address (it also names "1334 Northeast 2nd Street"
    # as a "Location"; one address is shown here) and states no suite or entrance.
    "address_second_line": "",
    "time_zone": "America/Los_Angeles",
}
# Monday to Friday, 7:00 AM to 7:00 PM; closed at the weekend.
OPENING_HOURS = [(weekday, time(7, 0), time(19, 0)) for weekday in range(5)]


def demo_closures(today: date) -> list[tuple[date, str]]:
    """US holidays a clinic plausibly closes for (New Year's Day, Thanksgiving, Christmas
    Day), from the last month to a year ahead: closures of the demo clinic, not its own."""
    found = []
    for year in (today.year, today.year + 1):
        november_first = date(year, 11, 1)
        # The fourth Thursday of November.
        thanksgiving = november_first + timedelta(days=(3 - november_first.weekday()) % 7 + 21)
        found += [
            (date(year, 1, 1), "New Year's Day"),
            (thanksgiving, "Thanksgiving"),
            (date(year, 12, 25), "Christmas Day"),
        ]
    earliest, latest = today - timedelta(days=31), today + timedelta(days=366)
    return [(day, label) for day, label in found if earliest <= day <= latest]


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _items(*pairs: tuple[str, str]) -> list[dict]:
    return [{"term": term, "text": text} for term, text in pairs]


HOME = {
    "title": "Home",
    "slug": "home",
    "seo_title": "PhysioFit · Physical therapy in Bend, Oregon",
    "search_description": (
        "Evidence-based, fitness-centred physical therapy in Bend, Oregon. Book a thorough "
        "evaluation and a treatment plan made for you."
    ),
    "hero_heading": "Physical therapy built around you",
    "hero_text": (
        "Every plan starts with a thorough evaluation. From there we build evidence-based, "
        "fitness-centred treatment for your body and your goals, here in Bend."
    ),
    "cta_label": "Book an evaluation",
    "approach_heading": "Our approach",
    "approach": _p(
        "Pain rarely has a single cause, so we look at it from more than one angle. Our care "
        "is evidence-based and fitness-centred: we ease the pain you have now, and we help you "
        "build habits that support your overall well-being.",
        "The goal is to lower the chance that pain becomes long-lasting, and to get you back "
        "to your everyday activities as soon as we safely can.",
    ),
}

BACK_PAIN = {
    "title": "Back Pain Relief",
    "slug": "back-pain-relief",
    "show_in_menus": True,
    "search_description": (
        "Acute, subacute and chronic back pain: common causes, symptoms, prevention, and how "
        "PhysioFit in Bend, Oregon can help."
    ),
    "condition_name": "Back pain",
    "lead": "Take your life back from back pain.",
    "summary": (
        "How acute, subacute and chronic back pain differ, what commonly causes it, how to "
        "lower your risk, and how we can help."
    ),
    "intro": _p(
        "Back pain is one of the most common health complaints in the United States. It can "
        "be a dull ache that never quite leaves, or a sudden, sharp pain that shoots down a leg.",
        "It may begin with a specific event, such as an accident, a fall or lifting something "
        "heavy, or it may build slowly as the spine changes with age. Sometimes a medical "
        "condition, for example an inflammatory form of arthritis, is behind it.",
    ),
    "approach": _p(
        "Because back pain has so many possible causes, we treat it from several directions. "
        "Each patient's route to relief is different, so your care is personal: evidence-based, "
        "fitness-centred physical therapy. We work to ease your back now, and to help you take "
        "up habits that support your overall well-being, lowering the risk of long-lasting pain "
        "and getting you back to daily life quickly.",
    ),
    "duration_heading": "Three kinds, by how long it lasts",
    "duration_kinds": [
        {
            "type": "kind",
            "value": {
                "name": "Acute",
                "duration": "A few days to a few weeks",
                "description": "Comes on suddenly, often after an accident or a sudden strain.",
            },
        },
        {
            "type": "kind",
            "value": {
                "name": "Subacute",
                "duration": "4 to 12 weeks",
                "description": (
                    "Can start suddenly or build up gradually. An injury or overuse of the back "
                    "muscles may bring it on."
                ),
            },
        },
        {
            "type": "kind",
            "value": {
                "name": "Chronic",
                "duration": "More than 12 weeks",
                "description": (
                    "Felt every day for longer than twelve weeks; it may start quickly or slowly. "
                    "It is often linked to degenerative conditions such as arthritis or disc disease."
                ),
            },
        },
    ],
    "diagnosis_note": (
        "Telling these apart, and finding the cause, takes a thorough evaluation by a professional."
    ),
    "causes_heading": "The most common causes of back pain",
    "causes_intro": _p(
        "Back pain often has more than one contributing factor, and together they can lead to "
        "chronic low back pain. The causes fall into three broad groups: mechanical or "
        "structural problems, inflammatory conditions, and other medical conditions. Sometimes "
        "no single cause can be pinned down."
    ),
    "cause_groups": [
        {
            "type": "group",
            "value": {
                "category": "mechanical",
                "heading": "Mechanical and structural causes",
                "intro": (
                    "Problems in the spine, the discs, or the muscles, ligaments and tendons of the "
                    "back, or pressure on a nerve."
                ),
                "causes": _items(
                    (
                        "Sprains",
                        "Injuries to the ligaments that hold the bones of the spine "
                        "together, often from twisting or lifting awkwardly.",
                    ),
                    ("Strains", "Injuries to a muscle or a tendon, which can cause a lot of pain."),
                    (
                        "Degenerative disc disease",
                        "With age, the discs between the vertebrae slowly "
                        "wear down, often alongside other changes such as arthritis or spinal stenosis.",
                    ),
                    (
                        "Herniated or ruptured discs",
                        "A disc presses on and irritates a nearby nerve, "
                        "most often in the lower back and sometimes in the neck.",
                    ),
                    (
                        "Spondylolisthesis",
                        "A vertebra slips out of place, or gradually shifts out of line.",
                    ),
                    (
                        "Fractured vertebrae",
                        "A break in one of the bones of the spine can be a major source of pain.",
                    ),
                    (
                        "Scoliosis and other congenital changes",
                        "Differences in the spine present at "
                        "birth or that develop while growing can lead to long-lasting discomfort.",
                    ),
                    (
                        "Myofascial pain",
                        "Tight, painful muscles around the spine, from damage to the "
                        "muscle or from nerve signals that start in the spine.",
                    ),
                ),
            },
        },
        {
            "type": "group",
            "value": {
                "category": "inflammatory",
                "heading": "Inflammatory conditions",
                "intro": "Inflammation can also play a large part in back pain.",
                "causes": _items(
                    (
                        "Ankylosing spondylitis",
                        "A form of arthritis that affects the spine and causes stiffness and pain.",
                    ),
                ),
            },
        },
        {
            "type": "group",
            "value": {
                "category": "medical",
                "heading": "Other medical conditions",
                "intro": "Conditions elsewhere in the body can cause back pain too:",
                "causes": _items(
                    ("Osteoporosis", ""),
                    ("Fibromyalgia", ""),
                    ("Kidney problems", ""),
                    ("Endometriosis", ""),
                    ("Spinal infections", ""),
                    ("Tumors", ""),
                    ("Pregnancy", ""),
                ),
            },
        },
    ],
    "prevention_heading": "Steps that help prevent back pain",
    "prevention_intro": (
        "Back pain that comes from overuse or awkward movement can often be avoided. These "
        "habits support a healthy back and an active life:"
    ),
    "prevention_tips": [
        {
            "type": "tip",
            "value": {
                "title": "Exercise regularly",
                "text": (
                    "Strengthen the muscles that support your back. Activities that build balance and "
                    "strength, such as yoga or tai chi, lower the risk of falls, back injuries and broken "
                    "bones. Warm up before any exercise."
                ),
            },
        },
        {
            "type": "tip",
            "value": {
                "title": "Eat for a strong spine",
                "text": (
                    "A healthy diet with enough calcium and vitamin D, the nutrients your spine needs "
                    "to stay strong."
                ),
            },
        },
        {
            "type": "tip",
            "value": {
                "title": "Keep a healthy weight",
                "text": ("Extra weight puts avoidable, harmful stress on your back."),
            },
        },
        {
            "type": "tip",
            "value": {
                "title": "Mind your posture",
                "text": (
                    "Don't slouch, and make sure your back is well supported when you sit and stand."
                ),
            },
        },
        {
            "type": "tip",
            "value": {
                "title": "Lift safely",
                "text": (
                    "Avoid lifting heavy things where you can. When you must, let your legs and "
                    "stomach muscles do the work, not your back."
                ),
            },
        },
    ],
    "symptoms_heading": "Common symptoms",
    "symptoms": [
        {"type": "symptom", "value": text}
        for text in (
            "Pain that gets worse when you lift or bend",
            "Pain that builds while you rest, sit or stand",
            "Stiffness when you wake up that eases once you get moving",
            "Pain that spreads from the back into the buttocks, hip or leg",
            "Pain in the neck, arm or back",
            "Back pain that keeps coming back",
        )
    ],
    "cta_heading": "Sound familiar?",
    "cta_text": (
        "If any of these symptoms or conditions ring true for you, book an appointment for a "
        "thorough evaluation and a treatment plan made for you."
    ),
    "disclaimer": _p(
        "The information on this website is general education and does not replace "
        "professional medical advice. Every person, and every body, is different: what helps "
        "one person may not help another. Please talk with us about your own situation before "
        "you act on anything you read here."
    ),
}

BLOG_INDEX = {
    "title": "PhysioBlog",
    "slug": "blog",
    "show_in_menus": True,
    "search_description": "Articles on physical therapy, pain and training from PhysioFit in Bend, Oregon.",
    "intro": _p("Your source for physical therapy in Bend, Oregon: pain, movement and training."),
}

AUTHOR = {
    "name": "PhysioFit",
    "role": "PhysioBlog",
    "bio": "The clinical team at PhysioFit, a physical-therapy clinic in Bend, Oregon.",
    "is_organisation": True,
}


def _section(heading: str, items: list[tuple[str, str]]) -> dict:
    return {
        "type": "list",
        "value": {"heading": heading, "numbered": False, "items": _items(*items)},
    }


MAIGNE_POST = {
    "title": "Maigne's syndrome: an overlooked cause of lasting back and hip pain",
    "slug": "maignes-syndrome",
    "date": date(2025, 4, 8),
    "search_description": (
        "Maigne's syndrome (thoracolumbar junction syndrome) explained: how lifting, cycling and "
        "desk work can trigger it, and the physical therapy exercises that target it."
    ),
    "lead": (
        "Athletes, lifters and cyclists whose low back, hip or groin pain keeps coming back may "
        "be dealing with a problem higher up the spine than they think."
    ),
    "tags": [
        "Maigne's Syndrome",
        "Thoracolumbar junction syndrome",
        "Back and hip pain",
        "back pain",
        "hip pain",
        "sciatica",
        "Chronic lower back pain",
        "lower back pain",
        "pain control",
    ],
    "body": [
        {
            "type": "paragraph",
            "value": _p(
                "You stretch, you foam roll, you even take time off, and the pain in your lower back, "
                "hip or groin still returns as soon as you train again. If that cycle sounds familiar, "
                "the source may not be your hip flexors, your glutes or your lumbar spine at all.",
                "Maigne's syndrome starts at the thoracolumbar junction, the T12 to L2 region where "
                "the upper and lower spine meet. It is often mistaken for sciatica, a hip impingement "
                "or even a hernia, so many active people spend a long time on treatments that miss "
                "the target. The encouraging part: targeted physical therapy can address the "
                "underlying problem, so you can get back to training without pain.",
            ),
        },
        {"type": "heading", "value": {"text": "What is Maigne's syndrome?", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                "Also called thoracolumbar junction syndrome, it develops when the nerves at T12 to "
                "L2 become irritated, compressed or stop working properly. Those nerves carry "
                "sensation from the lower back, hips, groin and upper thigh, so trouble at the "
                "junction can be felt further down, which misleads athletes and clinicians alike.",
                "It is not a disc herniation or a true nerve-root compression. It is a mechanical "
                "problem: stiff segments, muscle imbalances or poor movement mechanics can be at "
                "the root of it.",
            ),
        },
        {
            "type": "heading",
            "value": {"text": "Training patterns that can set it off", "level": "h2"},
        },
        {
            "type": "paragraph",
            "value": _p(
                "Some movement patterns load the thoracolumbar junction heavily and, over time, "
                "irritate it."
            ),
        },
        _section(
            "1. Deadlifts and kettlebell swings: an overloaded hinge",
            [
                (
                    "The problem",
                    "Both demand a strong hip hinge. When the thoracolumbar junction "
                    "lacks mobility, the body makes up for it by over-arching the lower back or "
                    "overworking the lumbar erectors, which stresses the nerves at T12 to L2.",
                ),
                (
                    "How it shows up",
                    "Pain that resembles a lumbar strain, SI joint dysfunction or a "
                    "deep ache in the hip.",
                ),
            ],
        ),
        _section(
            "2. Snatches and overhead lifts: extension without control",
            [
                (
                    "The problem",
                    "Without enough extension through the thoracic spine, the "
                    "thoracolumbar junction takes up the slack as the bar goes overhead, and is "
                    "overstressed.",
                ),
                (
                    "How it shows up",
                    "Tightness in the low back or hip, or discomfort in the groin after lifting.",
                ),
            ],
        ),
        _section(
            "3. Cycling: hours of flexion and a tilted pelvis",
            [
                (
                    "The problem",
                    "Long rides in an aggressive, forward-leaning position hold the "
                    "thoracolumbar junction bent for hours, irritating its nerves.",
                ),
                (
                    "How it shows up",
                    "A dull ache in the low back, groin discomfort, and tight hip "
                    "flexors that never fully let go.",
                ),
            ],
        ),
        _section(
            "4. A desk all day, then hard training",
            [
                (
                    "The problem",
                    "Going straight from hours of sitting into heavy training, without "
                    "mobilising the thoracolumbar spine first, leaves the area stiff and easy to irritate.",
                ),
                (
                    "How it shows up",
                    "Pain that builds after long sitting and also flares after hard sessions.",
                ),
            ],
        ),
        {"type": "heading", "value": {"text": "How physical therapy helps", "level": "h2"}},
        {
            "type": "heading",
            "value": {"text": "1. Restore mobility at the thoracolumbar junction", "level": "h3"},
        },
        {
            "type": "paragraph",
            "value": _p(
                "Mobility at the junction itself is one of the most overlooked parts of treatment. "
                "When this segment is locked up, the lumbar spine and pelvis compensate, and the "
                "problem carries on."
            ),
        },
        {
            "type": "exercises",
            "value": {
                "heading": "Exercises",
                "exercises": [
                    "slug:segmental-cat-camel",
                    "slug:foam-roller-thoracolumbar-extension",
                    "slug:quadruped-t-spine-rotation",
                ],
            },
        },
        {"type": "heading", "value": {"text": "2. Strengthen the deep core", "level": "h3"}},
        {
            "type": "paragraph",
            "value": _p(
                "An unstable junction makes the muscles around it (quadratus lumborum, erectors and "
                "psoas) work overtime, adding pain and dysfunction. The aim is a stronger deep core "
                "without letting the spine compensate."
            ),
        },
        {
            "type": "exercises",
            "value": {
                "heading": "Exercises",
                "exercises": [
                    "slug:dead-bug",
                    "slug:pallof-press",
                    "slug:bird-dog",
                ],
            },
        },
        {
            "type": "heading",
            "value": {"text": "3. Restore pelvic position and hip function", "level": "h3"},
        },
        {
            "type": "paragraph",
            "value": _p(
                "The nerves from T12 to L2 supply the hip flexors and adductors. Trouble at this "
                "level can leave the hip flexors tight and overactive and the glutes switched off, "
                "which keeps the cycle of pain going."
            ),
        },
        {
            "type": "exercises",
            "value": {
                "heading": "Exercises",
                "exercises": [
                    "slug:hip-lift-90-90",
                    "slug:side-lying-clamshell",
                    "slug:glute-bridge",
                    "slug:copenhagen-plank",
                ],
            },
        },
        {"type": "heading", "value": {"text": "4. Retrain posture and movement", "level": "h3"}},
        {
            "type": "paragraph",
            "value": _p("Unless the way you move changes, the pain tends to come back."),
        },
        {
            "type": "exercises",
            "value": {
                "heading": "Exercises",
                "exercises": [
                    "slug:neutral-rib-lockout-drill",
                    "slug:hip-hinge-dowel-drill",
                ],
            },
        },
        _section(
            "For cyclists",
            [
                (
                    "Bike fit",
                    "Set saddle height and riding posture to take stress off the junction.",
                ),
            ],
        ),
        {"type": "heading", "value": {"text": "The bottom line", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                "Maigne's syndrome is easy to overlook as a cause of chronic low back, hip and groin "
                "pain, especially in people who deadlift, swing kettlebells, snatch or ride. Left "
                "alone, it leads to compensation patterns that hold back both performance and "
                "everyday life.",
                "Physical therapy can resolve it when treatment restores thoracolumbar mobility, "
                "builds core stability, improves hip function and retrains movement. If back or hip "
                "pain keeps lingering, work with a physical therapist who knows this condition and "
                "its mechanics.",
            ),
        },
        {
            "type": "call_to_action",
            "value": {
                "heading": "Back or hip pain that won't settle?",
                "text": "Book a thorough evaluation and we will look for the source with you.",
                "button_label": "Book an evaluation",
                "page": None,
            },
        },
    ],
}

CONTACT = {
    "title": "Contact",
    "slug": "contact",
    "show_in_menus": True,
    "search_description": "Phone, email, address and opening hours of PhysioFit in Bend, Oregon.",
    "intro": _p(
        "The quickest way to book an evaluation is online: choose a time that suits you, and "
        "a confirmation follows by email.",
        "Would you rather talk it through? Call us during opening hours or email us, and we "
        "will find a time with you. For any other question, send a message with the form.",
    ),
}

# The notice says what the software really keeps (docs/patient-data.md is its source); update
# both together. load_demo refreshes a privacy page no staff member has edited.
PRIVACY = {
    "title": "Privacy notice",
    "slug": "privacy",
    "lead": "What we keep about you, why, who sees it, how long we keep it, and what you can ask.",
    "body": [
        {"type": "heading", "value": {"text": "What we keep", "level": "h2"}},
        _section(
            "",
            [
                (
                    "When you book",
                    "Your name, email address, phone number and date of birth, and the visit you "
                    "chose: the service, the therapist and the time.",
                ),
                (
                    "Before a first visit",
                    "Your yes-or-no answers to a few health screening questions, and what they "
                    "mean for booking (for example, that a clinician should look at them first).",
                ),
                (
                    "Questionnaires",
                    "Your answers to the questionnaire before your first visit (where it hurts, "
                    "how it started, health conditions, activities and goals) and to the short "
                    "progress questionnaires we send during your care, with their scores.",
                ),
                (
                    "Waitlist",
                    "If you ask to be told about a free time: the days and times that suit you.",
                ),
                (
                    "Emails",
                    "Which email we sent to which address, and whether it was delivered.",
                ),
                (
                    "Contact form",
                    "Your name, email address, phone number if you give it, and your message. "
                    "Please do not put medical details in it.",
                ),
            ],
        ),
        {"type": "heading", "value": {"text": "Why we use it", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                "We use your details and answers to prepare your visit and your treatment plan, "
                "to book, confirm and remind you of appointments, to follow how you are doing "
                "over your care, and to reply to your messages. They are part of your clinical "
                "record.",
                "If your screening answers suggest you may need medical care other than physical "
                "therapy first, the website tells you so before you book, and a clinician looks "
                "at the answers.",
                "We do not sell your information or use it for advertising. Reading this website "
                "sends nothing about you to anyone else: there are no analytics or advertising "
                "trackers and no content from other websites.",
            ),
        },
        {"type": "heading", "value": {"text": "Who sees it", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                "Only clinic staff who need it. The front desk sees your contact details and "
                "appointments; only clinicians see your health answers and scores. Each time a "
                "staff member opens or changes your record, it is written to a log.",
                "Our emails to you carry as little as possible: your first name, the visit and a "
                "link. They never name a condition or a score.",
            ),
        },
        {"type": "heading", "value": {"text": "Cookies", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                "We only use cookies that the site needs to work. A security cookie protects "
                "forms from forgery. A session cookie keeps your place while you book (including "
                "the result of your screening answers) and keeps you signed in to your patient "
                "page, for at most two hours or until you sign out. Staff who sign in get a "
                "session cookie too. There are no other cookies.",
            ),
        },
        {"type": "heading", "value": {"text": "How long we keep it", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                "We keep your record for 10 years after your last visit, then delete it. Copies "
                "in our backups are replaced within about a year after that. Messages sent "
                "through the contact form are kept until staff delete them.",
            ),
        },
        {"type": "heading", "value": {"text": "What you can ask", "level": "h2"}},
        {
            "type": "paragraph",
            "value": _p(
                '<b>A copy.</b> Sign in to <a href="/portal/">your patient page</a> with a link '
                "we email you, and download your record as a PDF, or as a file for another "
                "system. You can also ask us for one.",
                "<b>A correction.</b> Call or email us and we will fix details that are wrong.",
                "<b>Deletion.</b> Ask us and we will delete your record once the 10 years after "
                "your last visit have passed. Until then we keep it as your clinical record, and we "
                "will tell you the date from which it can be deleted.",
                "Call PhysioFit on (541) 697-4700, email info@physiofitbend.com, or write to "
                "1332 NE 2nd St, Bend, OR 97701.",
            ),
        },
    ],
}


DISCLAIMER = {
    "title": "Medical disclaimer",
    "slug": "medical-disclaimer",
    "lead": "Our articles and pages are general education, not advice for you in particular.",
    "body": [
        {
            "type": "paragraph",
            "value": _p(
                "The information on this website is provided for general education. It is not a "
                "substitute for professional medical advice, diagnosis or treatment.",
                "Every person's situation and body is different, and what works for one person may "
                "not work for another. Before you act on anything you read here, please contact us "
                "to talk about your own needs.",
            ),
        },
        {
            "type": "callout",
            "value": {
                "tone": "caution",
                "title": "In an emergency",
                "text": _p(
                    "If you have a medical emergency, call 911 or go to the nearest emergency "
                    "department."
                ),
            },
        },
    ],
}


DEMO_WHAT_TO_BRING = (
    "(Demo text.) Comfortable clothes you can move in, a photo ID and your insurance card, "
    "a list of the medicines you take, and any notes or imaging reports about your problem."
)

SERVICES = [
    {
        "name": "Initial evaluation",
        "slug": "initial-evaluation",
        "description": (
            "Your first visit: a thorough evaluation of your history, movement and goals, and a "
            "treatment plan made for you."
        ),
        "duration_minutes": 60,
        "buffer_after_minutes": 15,
        "audience": "new",
        "sort_order": 0,
        # No price: a demo must not show one that looks real. The note says where it is set.
        "price_note": "Demo: the clinic sets its price under Booking setup → Services",
        "what_to_bring": DEMO_WHAT_TO_BRING,
    },
    {
        "name": "Follow-up visit",
        "slug": "follow-up-visit",
        "description": "Treatment and progress review for patients already in care.",
        "duration_minutes": 45,
        "buffer_after_minutes": 15,
        "audience": "returning",
        "sort_order": 1,
        "price_note": "Demo: the clinic sets its price under Booking setup → Services",
        "what_to_bring": DEMO_WHAT_TO_BRING,
    },
]

# Invented, clearly demo practitioners.
PRACTITIONERS = [
    {
        "name": "Alex Demo",
        "slug": "alex-demo",
        "credentials": "PT, DPT",
        "bio": "Demo practitioner. Replace with your clinic's therapists under Booking setup.",
        "sort_order": 0,
        # Monday to Friday 7:00 to 15:00 with a lunch break.
        "hours": [(day, time(7, 0), time(12, 0)) for day in range(5)]
        + [(day, time(12, 30), time(15, 0)) for day in range(5)],
    },
    {
        "name": "Jordan Sample",
        "slug": "jordan-sample",
        "credentials": "PT, DPT, OCS",
        "bio": "Demo practitioner. Replace with your clinic's therapists under Booking setup.",
        "sort_order": 1,
        # Monday to Thursday 11:00 to 19:00.
        "hours": [(day, time(11, 0), time(19, 0)) for day in range(4)],
    },
]
