"""Draw the demo clinic's exercise pictures: two line-art PNGs per demo exercise.

`load_demo` attaches physiofit/exercises/demo_images/<slug>-1.png (start position) and
<slug>-2.png (key position) to each demo exercise. The PNGs are committed; this script is how
they were made. Edit a pose here, then run `.venv/bin/python scripts/draw_exercise_images.py`
to redraw them all (the output is deterministic).

Each figure is a small 3-D skeleton (pelvis, three spine segments, neck, head, and limbs of fixed
length) posed by segment directions or by reaching a hand or foot to a point (two-bone inverse
kinematics), seen through an orthographic camera and drawn as rounded capsules.
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "physiofit" / "exercises" / "demo_images"
W, H, SS = 800, 500, 2  # output size; drawn SS times larger, then downsampled
MAX_SCALE, MARGIN = 620, 40  # 1x pixels; one world unit is the figure's standing height
INK, PROP, PAPER = "#0b5563", "#c9d3d6", "white"

# Body proportions, in standing heights.
SEG, NECK, HEAD_R = 0.10, 0.05, 0.062  # spine segment (three of them), neck, head radius
UPPER, FORE, THIGH, SHIN, FOOT = 0.145, 0.135, 0.245, 0.235, 0.07
SW, HW, DROP = 0.07, 0.05, 0.02  # half shoulder width, half hip width, shoulders below neck
LIMB_R, TORSO_R, GAP = 0.021, 0.038, 0.009  # capsule radii; white gap around nearer parts
MAT = 0.022  # mat thickness
ARM, LEG = ("shoulder", "elbow", "hand"), ("hip", "knee", "ankle", "toe")


class V(tuple):
    """A 3-D point or direction: x to the right, y up, z towards the viewer."""

    def __new__(cls, x, y, z):
        return super().__new__(cls, (x, y, z))

    def __add__(self, o):
        return V(self[0] + o[0], self[1] + o[1], self[2] + o[2])

    def __sub__(self, o):
        return V(self[0] - o[0], self[1] - o[1], self[2] - o[2])

    def __mul__(self, k):
        return V(self[0] * k, self[1] * k, self[2] * k)

    def dot(self, o):
        return self[0] * o[0] + self[1] * o[1] + self[2] * o[2]

    def cross(self, o):
        a, b = self, o
        return V(a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])

    def unit(self):
        return self * (1 / math.sqrt(self.dot(self)))

    def turned(self, origin, axis, deg):
        """This point rotated by deg about the axis through origin (Rodrigues' formula)."""
        k, v, a = V(*axis).unit(), self - origin, math.radians(deg)
        c, s = math.cos(a), math.sin(a)
        return origin + v * c + k.cross(v) * s + k * (k.dot(v) * (1 - c))


def D(deg, towards_viewer=0.0):
    """Unit direction, deg anticlockwise from +x (right) in the picture plane."""
    t, e = math.radians(deg), math.radians(towards_viewer)
    return V(math.cos(e) * math.cos(t), math.cos(e) * math.sin(t), math.sin(e))


def direction(d):
    return D(d) if isinstance(d, int | float) else V(*d).unit()


def require(ok, problem):
    if not ok:
        raise ValueError(problem)


def ik(root, target, a, b, pole):
    """Middle joint of a two-bone limb (lengths a, b) from root to target, bent towards pole."""
    dist = math.dist(root, target)
    require(dist <= a + b + 1e-6, f"target out of reach by {dist - a - b:.3f}")
    e = (target - root).unit()
    side = (pole - e * e.dot(pole)).unit()
    cos_a = min(1.0, (a * a + dist * dist - b * b) / (2 * a * dist))
    return root + (e * cos_a + side * math.sqrt(1 - cos_a * cos_a)) * a


def solve(f, lo, hi):
    """An x in [lo, hi] where f(x) crosses zero (bisection)."""
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (f(mid) > 0) == (f(lo) > 0) else (lo, mid)
    return (lo + hi) / 2


class Figure:
    """The skeleton's joints. Side "r" (the body's right) is at +lat; facing +x, lat is +z."""

    def __init__(self, pelvis, spine, neck, lat=(0, 0, 1)):
        self.lat = V(*lat).unit()
        j = self.j = {"n0": V(*pelvis)}
        for i, d in enumerate(spine, start=1):
            j[f"n{i}"] = j[f"n{i - 1}"] + direction(d) * SEG
        j["neck"] = j["n3"] + direction(neck) * NECK
        j["head"] = j["neck"] + direction(neck) * (HEAD_R * 0.9)
        for i in range(4):  # the torso's edges, widening from the hips to the shoulders
            w = self.lat * (HW + (SW - HW) * i / 3)
            j[f"e{i}r"], j[f"e{i}l"] = j[f"n{i}"] + w, j[f"n{i}"] - w
        top = j["n3"] - direction(spine[-1]) * DROP
        for s, k in (("r", 1), ("l", -1)):
            j[f"shoulder_{s}"] = top + self.lat * (k * SW)
            j[f"hip_{s}"] = j["n0"] + self.lat * (k * HW)

    def dir(self, a, b):
        return (self.j[b] - self.j[a]).unit()

    def front(self, d):
        """The side of a limb segment along d that knees bend away from and elbows towards."""
        return self.lat.cross(d).unit()

    def chain(self, s, names, dirs, lengths):
        for (a, b), d, n in zip(pairwise(names), dirs, lengths, strict=False):
            self.j[f"{b}_{s}"] = self.j[f"{a}_{s}"] + direction(d) * n

    def foot(self, s, plantar):
        shin, a = self.dir(f"knee_{s}", f"ankle_{s}"), math.radians(plantar)
        toe = self.front(shin) * math.cos(a) + shin * math.sin(a)
        self.j[f"toe_{s}"] = self.j[f"ankle_{s}"] + toe * FOOT

    def leg(self, s, thigh, shin, plantar=0):
        self.chain(s, LEG, [thigh, shin], [THIGH, SHIN])
        self.foot(s, plantar)

    def leg_to(self, s, ankle, pole, plantar=0):
        self.j[f"ankle_{s}"] = ankle = V(*ankle)
        self.j[f"knee_{s}"] = ik(self.j[f"hip_{s}"], ankle, THIGH, SHIN, direction(pole))
        self.foot(s, plantar)

    def arm(self, s, upper, fore):
        self.chain(s, ARM, [upper, fore], [UPPER, FORE])

    def arm_to(self, s, hand, pole):
        self.j[f"hand_{s}"] = hand = V(*hand)
        self.j[f"elbow_{s}"] = ik(self.j[f"shoulder_{s}"], hand, UPPER, FORE, direction(pole))

    def move(self, delta):
        self.j = {k: p + delta for k, p in self.j.items()}

    def settle(self, level=0.0):
        """Drop (or lift) the figure so that its lowest surface rests at height `level`."""
        radius = {
            k: TORSO_R if k[1:2].isdigit() else HEAD_R if k == "head" else LIMB_R for k in self.j
        }
        self.move(V(0, level - min(p[1] - radius[k] for k, p in self.j.items()), 0))

    def turn(self, names, origin, axis, deg):
        for k in names:
            self.j[k] = self.j[k].turned(origin, axis, deg)

    def check(self):
        """Bones keep their lengths; knees bend only backwards; no joint folds past 155 degrees."""
        for s in "rl":
            for (a, b, c, *_), lengths in ((LEG, (THIGH, SHIN)), (ARM, (UPPER, FORE))):
                pa, pb, pc = (self.j[f"{n}_{s}"] for n in (a, b, c))
                drift = abs(math.dist(pa, pb) - lengths[0]) + abs(math.dist(pb, pc) - lengths[1])
                require(drift < 1e-6, f"{b}_{s}: a bone changed length")
                u, v = (pb - pa).unit(), (pc - pb).unit()
                require(u.dot(v) > math.cos(math.radians(155)), f"{b}_{s} folded too far")
                backwards = b == "knee" and u.dot(v) < 0.996 and v.dot(self.front(u)) > 0.15
                require(not backwards, f"{b}_{s} bent backwards")


# Props are (points, radius): the filled outline of the points, or a rod when radius > 0.
def box(x0, x1, y0, y1, z0=-0.25, z1=0.25):
    return [V(x, y, z) for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)], 0


def mat(x0, x1, z0=-0.22, z1=0.22):
    return box(x0, x1, 0, MAT, z0, z1)


def roller(x, r):
    ring = [
        (x + r * math.cos(i * math.pi / 16), r + r * math.sin(i * math.pi / 16)) for i in range(32)
    ]
    return [V(px, py, z) for px, py in ring for z in (-0.3, 0.3)], 0


class Camera:
    """Orthographic: turn the world by `yaw` about the vertical, then tip it towards us by `pitch`."""

    def __init__(self, yaw=0.0, pitch=0.0):
        self.yaw, self.pitch = math.radians(yaw), math.radians(pitch)

    def __call__(self, p):
        """(x right, y up, depth towards the viewer), in world units."""
        x = p[0] * math.cos(self.yaw) - p[2] * math.sin(self.yaw)
        depth = p[0] * math.sin(self.yaw) + p[2] * math.cos(self.yaw)
        c, s = math.cos(self.pitch), math.sin(self.pitch)
        return x, p[1] * c - depth * s, depth * c + p[1] * s


def scene(fig, *props, yaw=0.0, pitch=0.0, head_over_arms=False):
    """head_over_arms draws the head last, for hands clasped behind it."""
    return {"fig": fig, "props": props, "cam": Camera(yaw, pitch), "head_over_arms": head_over_arms}


def smooth(pts, rounds=3):
    """Chaikin corner cutting: a smooth curve along the spine's joints."""
    for _ in range(rounds):
        cut = [(a * 0.75 + b * 0.25, a * 0.25 + b * 0.75) for a, b in pairwise(pts)]
        pts = [pts[0], *[p for pair in cut for p in pair], pts[-1]]
    return pts


def shapes(fig, head_over_arms):
    """Groups of (capsules, polygons, fixed depth or None); each is outlined and filled as one."""
    j = fig.j
    spine = smooth([j[f"n{i}"] for i in range(4)])
    right, left = (smooth([j[f"e{i}{s}"] for i in range(4)]) for s in "rl")
    torso = [(a, b, TORSO_R) for a, b in pairwise(spine)] + [(j["n3"], j["neck"], LIMB_R)]
    for line in (right, left, [right[0], left[0]], [right[-1], left[-1]]):  # seen from the front
        torso += [(a, b, LIMB_R) for a, b in pairwise(line)]
    head = [(j["head"], j["head"], HEAD_R)]
    quads = [[right[i], right[i + 1], left[i + 1], left[i]] for i in range(len(right) - 1)]
    groups = [(torso + head, quads, None)]
    if head_over_arms:  # drawn again, last
        groups.append((head, [], math.inf))
    for s in "rl":
        for names in (ARM, LEG):
            bones = pairwise([j[f"{n}_{s}"] for n in names])
            groups.append(([(a, b, LIMB_R) for a, b in bones], [], None))
    return groups


def hull(pts):
    """Convex hull of 2-D points (monotone chain)."""

    def half(seq):
        out = []
        for p in seq:
            while len(out) > 1 and (
                (out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                <= (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])
            ):
                out.pop()
            out.append(p)
        return out[:-1]

    pts = sorted(set(pts))
    return half(pts) + half(pts[::-1])


def frame(scenes):
    """Scale and centre shared by an exercise's two pictures, so nothing jumps between them."""
    pts = []
    for sc in scenes:
        world = [*sc["fig"].j.values(), *(p for ps, _ in sc["props"] for p in ps)]
        pts += [sc["cam"](p) for p in world] + [(0.0, 0.0)]  # and the floor line
    x0, x1 = min(p[0] for p in pts) - 0.06, max(p[0] for p in pts) + 0.06
    y0, y1 = min(p[1] for p in pts) - 0.06, max(p[1] for p in pts) + 0.06
    scale = min(MAX_SCALE, (W - 2 * MARGIN) / (x1 - x0), (H - 2 * MARGIN) / (y1 - y0))
    return scale, (x0 + x1) / 2, H / 2 + (y0 + y1) / 2 * scale


def render(sc, view, path):
    cam, fig, (scale, cx, base) = sc["cam"], sc["fig"], view
    fig.check()
    img = Image.new("RGB", (W * SS, H * SS), PAPER)
    draw = ImageDraw.Draw(img)

    def px(p):
        x, y, _ = cam(p)
        return (W / 2 + (x - cx) * scale) * SS, (base - y * scale) * SS

    def capsule(a, b, r, colour):
        """Two half circles joined, as one polygon."""
        (ax, ay), (bx, by), rr = px(a), px(b), r * scale * SS
        arc = [math.atan2(by - ay, bx - ax) + math.pi * (0.5 + i / 16) for i in range(17)]
        ends = [(ax + rr * math.cos(t), ay + rr * math.sin(t)) for t in arc]
        ends += [(bx - rr * math.cos(t), by - rr * math.sin(t)) for t in arc]
        draw.polygon(ends, fill=colour)

    def depth(group):
        caps, _, fixed = group
        if fixed is not None:
            return fixed
        return sum(cam(a)[2] + cam(b)[2] for a, b, _ in caps) / len(caps)

    if not cam.pitch:  # seen side-on: a floor line
        draw.line([(MARGIN * SS / 2, base * SS), ((W - MARGIN / 2) * SS, base * SS)], PROP, 3 * SS)
    for pts, r in sc["props"]:
        if r:
            capsule(*pts, r, PROP)
        else:
            draw.polygon(hull([px(p) for p in pts]), fill=PROP, outline=PAPER, width=SS)
    for caps, quads, _ in sorted(shapes(fig, sc["head_over_arms"]), key=depth):
        for i, (a, b, r) in enumerate(caps):
            if i == 0 and not quads and a != b:  # no gap where a limb leaves the torso
                a = a + (b - a).unit() * min(2.5 * r, math.dist(a, b) / 2)
            capsule(a, b, r + GAP, PAPER)
        for q in quads:
            draw.polygon([px(p) for p in q], fill=INK)
        for a, b, r in caps:
            capsule(a, b, r, INK)
    img = img.resize((W, H), Image.Resampling.LANCZOS)
    img = img.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(path, optimize=True)


# --- poses: head to the left when lying on the back, to the right otherwise ------------------
def quadruped(bend=0.0, neck=None, sit=0.0, tilt=5.5):
    """On hands and knees on a mat; bend > 0 rounds the back up, < 0 lets it sag.

    Shoulders and hands stay where the flat-backed pose has them (arms straight, hands under
    the shoulders): the back curves between shoulders and hips.
    """

    def build(t, b):
        f = Figure((0, 0.3, 0), [t + b, t, t - b], t - b - 15 if neck is None else neck)
        for s in "rl":
            f.leg(s, 270 + sit, 180, 90)
        f.settle(MAT)
        return f

    x, y, _ = build(tilt, 0).j["shoulder_r"]
    f = build(solve(lambda t: build(t, bend).j["shoulder_r"][1] - y, tilt - 20, tilt + 20), bend)
    f.move(V(x - f.j["shoulder_r"][0], 0, 0))
    for s in "rl":
        sh = f.j[f"shoulder_{s}"]
        ahead = math.sqrt((0.995 * (UPPER + FORE)) ** 2 - (sh[1] - MAT - LIMB_R) ** 2)
        f.arm_to(s, (sh[0] + ahead, MAT + LIMB_R, sh[2]), (-1, 0, 0))
    return f


def supine(spine=(180, 180, 180), neck=165, arms_by_sides=False):
    f = Figure((0, 0.3, 0), spine, neck)
    f.settle(MAT)
    for s, k in (("r", 1), ("l", -1)) if arms_by_sides else ():
        f.arm(s, D(-4, k * 10), D(0, k * 10))
    return f


def cat_camel():
    return [scene(quadruped(b, neck=n), mat(-0.45, 0.5)) for b, n in ((22, -50), (-18, 35))]


def t_spine():
    figs = []
    for turn in (55, -55):  # chest turned down towards the supporting arm, then up
        f = quadruped(neck=-15, sit=12)
        f.arm_to("r", f.j["head"] + V(-0.01, HEAD_R * 0.9, 0.03), (0.1, -0.2, 1))  # behind head
        axis, pivot = f.dir("n1", "n3"), f.j["shoulder_l"]
        chest = ["n3", "e3r", "e3l", "neck", "head", "shoulder_r", "elbow_r", "hand_r"]
        f.turn(chest, pivot, axis, turn)
        f.turn(["n2", "e2r", "e2l"], pivot, axis, turn / 2)
        f.turn(["e1r", "e1l"], pivot, axis, turn / 5)
        figs.append(f)
    return [scene(f, mat(-0.45, 0.5), yaw=15) for f in figs]


def bird_dog():
    start, reach = quadruped(neck=-30), quadruped(neck=-30)
    reach.arm("l", 9, 9)  # the far arm forward, the near leg back
    reach.leg("r", 184, 184, 90)
    return [scene(f, mat(-0.45, 0.5), yaw=-15) for f in (start, reach)]


def dead_bug(key):
    """Arms to the ceiling, hips and knees at 90 degrees; then the key position."""
    figs = [supine(), supine()]
    for f in figs:
        for s in "rl":
            f.arm(s, 90, 90)
            f.leg(s, 90, 0)
    hip = figs[1].j["hip_r"]
    if key == "heel tap":  # knee still bent, heel to the floor
        figs[1].leg_to("r", (hip[0] + 0.33, MAT + LIMB_R, hip[2]), (0.3, 1, 0))
    else:  # opposite arm overhead, opposite leg long, both just above the floor
        figs[1].arm("l", 172, 172)
        figs[1].leg("r", 9, 9)
    return [scene(f, mat(-0.55 if key == "heel tap" else -0.8, 0.6), yaw=-12) for f in figs]


def foam_roller():
    r, figs = 0.055, []
    lumbar = math.degrees(math.asin(r / SEG))  # pelvis on the floor, mid back on the roller
    for upper, neck in ((150, 140), (190, 190)):  # upper back curled forward, then extended
        pelvis = (2 * SEG * math.cos(math.radians(lumbar)), TORSO_R, 0)
        f = Figure(pelvis, [180 - lumbar, 180 - lumbar, upper], neck)
        for s, k in (("r", 1), ("l", -1)):  # hands behind the head, elbows forward
            hand = f.j["head"] + D(neck + 90) * (HEAD_R * 0.8) + V(0, 0, k * 0.03)
            f.arm_to(s, hand, D(neck - 90) + V(0, 0, k * 0.3))
            f.leg_to(s, (pelvis[0] + 0.32, LIMB_R, k * HW), (0, 1, 0))
        figs.append(f)
    return [scene(f, roller(0, r), head_over_arms=True) for f in figs]


def hip_lift():
    flat, lift = supine(arms_by_sides=True), supine((200, 188, 180), arms_by_sides=True)
    lift.move(V(flat.j["n3"][0] - lift.j["n3"][0], 0, 0))  # shoulders stay; the tailbone lifts
    for s in "rl":
        flat.leg(s, 90, 0)  # feet flat on the wall
        lift.leg_to(s, flat.j[f"ankle_{s}"], (0, 1, 0))
    wall = flat.j["ankle_r"][0] + LIMB_R + 0.005
    props = mat(-0.75, wall, -0.15, 0.15), box(wall, wall + 0.04, 0, 0.5, -0.3, 0.3)
    return [scene(f, *props, pitch=12) for f in (flat, lift)]


def glute_bridge():
    up = supine((202, 200, 192), 170, arms_by_sides=True)
    down = supine(arms_by_sides=True)
    down.move(V(up.j["n3"][0] - down.j["n3"][0], 0, 0))
    for s in "rl":  # knees in line with hips and shoulders, shins near vertical
        up.leg(s, up.dir("n3", "n0"), 0)
        knee = up.j[f"knee_{s}"]
        back = math.sqrt(SHIN**2 - (knee[1] - MAT - LIMB_R) ** 2) * 0.3
        up.leg_to(s, (knee[0] - back, MAT + LIMB_R, knee[2]), (1, 1, 0))
        down.leg_to(s, up.j[f"ankle_{s}"], (0, 1, 0))
    return [scene(f, mat(-0.75, 0.55, -0.15, 0.15), pitch=12) for f in (down, up)]


def pallof():
    figs = []
    for pressed in (False, True):
        f = Figure((0, 0.3, 0), [90, 90, 90], 90)
        f.leg("l", 270, 180, 90)  # kneeling on the knee nearest the anchor
        f.settle(MAT)
        hip = f.j["hip_r"]
        f.leg_to("r", (hip[0] + THIGH, MAT + LIMB_R, hip[2]), (1, 1, 0))
        for s, k in (("r", 1), ("l", -1)):  # hands together at the chest, or pressed straight out
            sh = f.j[f"shoulder_{s}"]
            out = math.sqrt((0.99 * (UPPER + FORE)) ** 2 - (SW - 0.02) ** 2 - 0.03**2)
            if pressed:
                f.arm_to(s, (sh[0] + out, sh[1] - 0.03, k * 0.02), (0, -1, k))
            else:
                f.arm_to(s, (0.1, sh[1] - 0.07, k * 0.02), (-0.3, -1, k))
        figs.append(f)
    anchor = V(0, figs[0].j["hand_r"][1], -0.75)  # at chest height, to the left
    post = box(-0.02, 0.02, 0, anchor[1] + 0.06, -0.77, -0.73)
    floor = mat(-0.3, 0.4, -0.9, 0.25)
    band = [([(f.j["hand_r"] + f.j["hand_l"]) * 0.5, anchor], 0.009) for f in figs]
    return [scene(f, floor, post, b, yaw=30, pitch=24) for f, b in zip(figs, band, strict=True)]


def clamshell():
    figs = []
    for lift in (0, 40):
        f = Figure((0, 0, 0), [180, 180, 180], 180)  # built lying on its back...
        for s in "rl":
            f.leg(s, 45, -45, 20)
        f.arm("r", 175, 175)  # the lower arm under the head
        f.turn(list(f.j), V(0, 0, 0), (1, 0, 0), 90)  # ...then rolled onto its right side
        f.lat = V(0, -1, 0)
        f.settle(MAT)
        hip, ankle, knee = f.j["hip_l"], f.j["ankle_l"], f.j["knee_l"]
        up = 1 if knee.turned(hip, ankle - hip, 1)[1] > knee[1] else -1
        f.turn(["knee_l", "ankle_l", "toe_l"], hip, ankle - hip, up * lift)  # feet stay together
        sh = f.j["shoulder_l"]
        f.arm_to("l", (sh[0] + 0.06, MAT + LIMB_R, sh[2] + 0.16), (0, 1, 0.5))  # hand on the mat
        figs.append(f)
    return [scene(f, mat(-0.7, 0.5, -0.2, 0.25), pitch=25) for f in figs]


def side_plank(theta, lean):
    """Propped on the right forearm, front to the viewer, head to the left.

    theta is the direction from pelvis to head; lean tips the upper arm from vertical.
    """
    elbow, u, lat = V(0, LIMB_R, 0), D(theta), D(theta + 90)
    shoulder = elbow + D(90 + lean) * UPPER
    f = Figure(shoulder - lat * SW + u * (DROP - 3 * SEG), [theta] * 3, theta, lat)
    f.arm("r", elbow - shoulder, (0.3, 0, 1))
    f.arm_to("l", f.j["hip_l"] + u * 0.06 - lat * 0.03, V(0, 0, 1) - lat * 0.5)  # hand on hip
    return f


def copenhagen(short):
    """Side plank with the top knee (short lever) or the inside of the top ankle on a bench."""
    reach = THIGH if short else THIGH + SHIN
    up = side_plank(181.5, 0)
    tip = up.j["hip_l"] + D(1.5) * reach  # the knee or ankle resting on the bench
    lean = solve(lambda g: math.dist(side_plank(160, g).j["hip_l"], tip) - reach, -60, 40)
    down = side_plank(160, lean)
    for f, lifted in ((down, False), (up, True)):
        thigh, low = tip - f.j["hip_l"], f.j["hip_r"][1] - LIMB_R
        if short:  # top shin along the bench; the lower leg bent underneath
            f.leg("l", thigh, (0, 0, -1), 90)
            f.leg("r", D(-math.degrees(math.asin(min(1.0, low / THIGH)))), (0, 0, -1), 90)
        else:  # the lower leg straight, just off the floor when the hips are up
            drop = D(-math.degrees(math.asin(min(1.0, (low - 0.04 * lifted) / reach))))
            f.leg("l", thigh, thigh)
            f.leg("r", drop, drop)
    x0, x1, top = tip[0] - 0.1, tip[0] + 0.07, tip[1] - LIMB_R
    bench = [box(x0, x1, top - 0.04, top, -0.55, 0.12)]
    for x in (x0 + 0.005, x1 - 0.035):
        bench += [box(x, x + 0.03, 0, top - 0.04, z, z + 0.03) for z in (-0.53, 0.07)]
    return [scene(f, *bench, yaw=22) for f in (down, up)]


def standing(lean=0.0, back=0.0, down=0.0, neck=0.0):
    """Standing side-on; lean tips a straight back forward as the hips go back and down."""
    f = Figure((-back, LIMB_R + THIGH + SHIN - down, 0), [90 - lean] * 3, 90 - lean - neck)
    for s in "rl":
        f.leg_to(s, (0, LIMB_R, f.j[f"hip_{s}"][2]), (1, 0, 0))
    return f


def hip_hinge():
    tilt = math.degrees(math.asin((HEAD_R - TORSO_R) / (NECK + 0.9 * HEAD_R)))  # head on dowel
    out = []
    for f in (standing(neck=tilt), standing(48, 0.1, 0.03, tilt)):
        u = f.dir("n0", "n3")
        back = D(math.degrees(math.atan2(u[1], u[0])) + 90)
        line = f.j["n0"] + back * (TORSO_R + 0.011)  # the dowel: tailbone, upper back and head
        dowel = [line - u * 0.1, line + u * (3 * SEG + NECK + 2 * HEAD_R + 0.08)], 0.011
        f.arm_to("r", line + u * 0.33, back + u * 0.2 + V(0, 0, 0.5))  # hand behind the neck
        f.arm_to("l", line + u * 0.09, back * 0.6 - u * 0.3 + V(0, 0, -1))  # behind the low back
        out.append(scene(f, dowel))
    return out


def rib_lockout():
    out = []
    for f in (standing(60, 0.12, 0.05, -15), standing()):  # mid-hinge, then tall: ribs over pelvis
        for s, k in (("r", 1), ("l", -1)):  # arms hanging straight, hands shoulder-width apart
            sh = f.j[f"shoulder_{s}"]
            f.arm_to(s, (sh[0] + 0.03, sh[1] - 0.27, k * 0.13), (-1, 0, 0))
        x, y, _ = f.j["hand_r"]
        out.append(scene(f, ([V(x, y, -0.4), V(x, y, 0.4)], 0.014), yaw=30))
    return out


EXERCISES = {
    "segmental-cat-camel": cat_camel,
    "foam-roller-thoracolumbar-extension": foam_roller,
    "quadruped-t-spine-rotation": t_spine,
    "dead-bug-heel-taps": lambda: dead_bug("heel tap"),
    "dead-bug": lambda: dead_bug("reach"),
    "pallof-press": pallof,
    "bird-dog": bird_dog,
    "hip-lift-90-90": hip_lift,
    "side-lying-clamshell": clamshell,
    "glute-bridge": glute_bridge,
    "short-lever-copenhagen-plank": lambda: copenhagen(short=True),
    "copenhagen-plank": lambda: copenhagen(short=False),
    "hip-hinge-dowel-drill": hip_hinge,
    "neutral-rib-lockout-drill": rib_lockout,
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for slug, make in EXERCISES.items():
        scenes = make()
        view = frame(scenes)
        for n, sc in enumerate(scenes, start=1):
            render(sc, view, OUT / f"{slug}-{n}.png")


if __name__ == "__main__":
    main()
