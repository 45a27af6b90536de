"""Demo cases for `make run`, in different states, on assets each persona really sees.

`seed(stdout)` is called by `manage.py seed_demo` after the asset and community sync. It
goes through the services, so the demo's audit trail and emails are the real thing (with
the embedded default the emails are printed on the console). Idempotent: a case whose
opener and subject already exist is left alone.
"""

from __future__ import annotations

from accounts.models import User
from assets.models import Asset
from cases import services
from cases.models import Case

SUPPORT = "support@brand.example"
DEMO_CASES = [
    {"opener": "bob@alpine-outfitters.example", "prefer": {"kind__slug": "packaging"},
     "category": Case.Category.INCORRECT_ASSET, "priority": Case.Priority.HIGH,
     "subject": "Wrong packaging photo",
     "body": "The packaging shot still shows **last season's box**. Our web shop goes live "
             "on Monday; could you send the current one?",
     "reply": "Thanks Bob, the studio is re-shooting the box today. We will link the "
              "corrected version here.",
     "then": "in_progress"},
    {"opener": "alice@alpine-outfitters.example", "prefer": {"kind__slug": "spec_sheet"},
     "category": Case.Category.ALTERNATE_FORMAT, "priority": Case.Priority.NORMAL,
     "subject": "Need the spec sheet as an editable file",
     "body": "Our print shop needs an editable version (InDesign or DOCX) of this sheet.",
     "reply": "", "then": "resolved",
     "link": "https://brand.example/press/spec-sheets/editable.zip",
     "note": "The editable sources are in the press area; the link stays valid for a year."},
    {"opener": "charlie@sakura-trading.example", "prefer": {"resource_type": "video"},
     "category": Case.Category.PLAYBACK, "priority": Case.Priority.URGENT,
     "subject": "Product video will not play",
     "body": "The video shows a black screen on iPhone Safari; desktop Chrome is fine.",
     "reply": "", "then": "new"},
]


def _asset_for(user, prefer: dict) -> Asset | None:
    visible = Asset.objects.visible_to(user).order_by("pk")
    return visible.filter(**prefer).first() or visible.first()


def _seed_one(spec: dict, support: User | None, stdout) -> None:
    opener = User.objects.filter(email=spec["opener"]).first()
    if opener is None:
        stdout.write(f"  {spec['opener']} not synced yet; case skipped\n")
        return
    if Case.objects.filter(opener=opener, subject=spec["subject"]).exists():
        return
    asset = _asset_for(opener, spec["prefer"])
    if asset is None:
        stdout.write(f"  {opener.email} sees no asset; case skipped\n")
        return
    case = services.case_open(opener=opener, asset=asset, category=spec["category"],
                              subject=spec["subject"], body=spec["body"],
                              priority=spec["priority"])
    if support is not None:
        services.case_assign(case=case, actor=support, assignee=support)
        if spec["reply"]:
            services.case_reply(case=case, author=support, body=spec["reply"])
        if spec["then"] == "resolved":
            services.case_resolve(case=case, actor=support, resolution_kind="link",
                                  link=spec["link"], note=spec["note"])
    stdout.write(f"  {case.reference} ({spec['then']}): {case.subject} — {opener.email}\n")


def seed(stdout) -> None:
    """Open the demo cases (once) and move them to their demo states."""
    support = User.objects.filter(email=SUPPORT).first()
    for spec in DEMO_CASES:
        _seed_one(spec, support, stdout)
    from cases import demo_threads

    demo_threads.seed(stdout, support)  # a community thread that became a case (#16)
    stdout.write(f"Cases: {Case.objects.count()} in total\n")
