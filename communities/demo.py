"""Demo data for `make run`: the emulator's directory, and publications per community.

`seed(stdout)` is called by `manage.py seed_demo` after the asset sync. Each persona then
sees a different catalog: alice and bob (EU Retailers) the German, French and British
market assets; charlie (Japan Resellers) the Japanese ones. Idempotent.
"""

from __future__ import annotations

from assets.models import AssetKind, Campaign, Market
from communities.models import Community
from communities.services import publication_create
from communities.sync import summary, sync_directory

DEMO_ACTOR = "demo-seed"

# community Trading Grid id -> rules, each {taxonomy field: slug}
DEMO_RULES = {
    "COMM-EU-RETAIL": [{"market": "de"}, {"market": "fr"}, {"market": "gb"}],
    "COMM-NA-DIST": [{"market": "us"}],
    "COMM-JP-RESELL": [{"market": "jp"}],
    "COMM-GLOBAL-LOG": [{"kind": "packaging"}, {"kind": "compliance_label"}],
    "COMM-PKG-SUPPLY": [{"kind": "packaging"}],
}
# A two-term rule, as the content team adds them: evergreen spec sheets for every reseller.
DEMO_RULES["COMM-JP-RESELL"].append({"campaign": "evergreen", "kind": "spec_sheet"})

MODELS = {"market": Market, "kind": AssetKind, "campaign": Campaign}


def seed(stdout) -> None:
    """Sync the directory from TRADING_GRID_URL (the emulator), then publish the rules."""
    run = sync_directory()
    stdout.write(f"Trading Grid: {summary(run.counts)}\n")
    created = 0
    for tg_id, rules in DEMO_RULES.items():
        community = Community.objects.filter(tg_id=tg_id).first()
        if community is None:
            stdout.write(f"  community {tg_id} not in Trading Grid; skipped\n")
            continue
        for rule in rules:
            terms = {field: MODELS[field].objects.filter(slug=slug).first()
                     for field, slug in rule.items()}
            if not all(terms.values()):
                stdout.write(f"  {community}: {rule} names unknown taxonomy; skipped\n")
                continue
            before = community.publications.count()
            publication_create(community=community, actor=DEMO_ACTOR, **terms)
            created += community.publications.count() - before
    stdout.write(f"Publications: {created} created\n")
