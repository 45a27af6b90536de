"""Deterministic directories for the emulator: `demo` (personas and partners) and `empty`.

The demo markets match the Cloudinary demo cloud: us, de, fr, jp, gb. The three personas
(alice, bob, charlie) are fixed; other code and the demo logins depend on them.
"""

from __future__ import annotations

from .directory import Directory, utc_now_iso

SEED_TIME = "2026-11-01T08:00:00Z"
ALL_MARKETS = ["us", "de", "fr", "jp", "gb"]

COMMUNITIES = [
    ("COMM-EU-RETAIL", "EU Retailers", "retailers", ["de", "fr", "gb"],
     "Brick-and-mortar and online retailers in Germany, France and the United Kingdom."),
    ("COMM-NA-DIST", "North America Distributors", "distributors", ["us"],
     "Wholesale distributors serving the United States."),
    ("COMM-JP-RESELL", "Japan Resellers", "resellers", ["jp"],
     "Authorised resellers in Japan."),
    ("COMM-GLOBAL-LOG", "Global Logistics Partners", "logistics", ALL_MARKETS,
     "Freight and fulfilment partners in every market."),
    ("COMM-PKG-SUPPLY", "Packaging Suppliers", "suppliers", ALL_MARKETS,
     "Suppliers of retail packaging and point-of-sale material."),
]

# (email, given, family, company id, company name, role, community ids)
PERSONAS = [
    ("alice@alpine-outfitters.example", "Alice", "Adler", "TGC-1001",
     "Alpine Outfitters GmbH", "partner_admin", ["COMM-EU-RETAIL"]),
    ("bob@alpine-outfitters.example", "Bob", "Becker", "TGC-1001",
     "Alpine Outfitters GmbH", "member", ["COMM-EU-RETAIL"]),
    ("charlie@sakura-trading.example", "Charlie", "Chen", "TGC-2001",
     "Sakura Trading KK", "member", ["COMM-JP-RESELL"]),
]

# (company id, name, email domain, people, community ids)
COMPANIES = [
    ("TGC-1002", "Rhein Sport Handel GmbH", "rhein-sport.example", 4, ["COMM-EU-RETAIL"]),
    ("TGC-1003", "Maison du Sport SARL", "maison-du-sport.example", 3, ["COMM-EU-RETAIL"]),
    ("TGC-1004", "Highland Trail Stores Ltd", "highland-trail.example", 3, ["COMM-EU-RETAIL"]),
    ("TGC-2002", "Fuji Outdoor Resale KK", "fuji-outdoor.example", 3, ["COMM-JP-RESELL"]),
    ("TGC-2003", "Kansai Gear Partners KK", "kansai-gear.example", 3, ["COMM-JP-RESELL"]),
    ("TGC-3001", "Prairie Supply Co.", "prairie-supply.example", 3, ["COMM-NA-DIST"]),
    ("TGC-3002", "Great Lakes Distribution Inc.", "greatlakes-dist.example", 3, ["COMM-NA-DIST"]),
    ("TGC-3003", "Cascade Wholesale LLC", "cascade-wholesale.example", 3,
     ["COMM-NA-DIST", "COMM-GLOBAL-LOG"]),
    ("TGC-4001", "Northwind Freight BV", "northwind-freight.example", 3, ["COMM-GLOBAL-LOG"]),
    ("TGC-4002", "Meridian Logistics Ltd", "meridian-logistics.example", 3, ["COMM-GLOBAL-LOG"]),
    ("TGC-5001", "Boxwell Packaging GmbH", "boxwell.example", 3, ["COMM-PKG-SUPPLY"]),
    ("TGC-5002", "Cartonnerie Lumiere SA", "cartonnerie-lumiere.example", 3,
     ["COMM-PKG-SUPPLY"]),
    ("TGC-5003", "Pacific Corrugated Inc.", "pacific-corrugated.example", 3,
     ["COMM-PKG-SUPPLY", "COMM-GLOBAL-LOG"]),
]

GIVEN_NAMES = [
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
    "Karin", "Lukas", "Maya", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samir", "Tara",
    "Ulrich", "Vera", "Wen", "Xavier", "Yuki", "Zoe", "Aiko", "Bruno", "Chloe", "Dmitri",
    "Emma", "Farid", "Gil", "Hana", "Ivan", "Julia", "Kenji", "Lea", "Marco", "Nina",
]
FAMILY_NAMES = [
    "Albrecht", "Bauer", "Dubois", "Evans", "Fischer", "Garnier", "Hughes", "Ito", "Jansen",
    "Keller", "Lambert", "Moreau", "Nakamura", "Owens", "Petit", "Quint", "Richter", "Sato",
    "Thomas", "Ueda", "Vogel", "Walker", "Xu", "Yamada", "Zimmer", "Arnold", "Blanc",
    "Carter", "Dietrich", "Endo", "Fontaine", "Graham", "Hoffmann", "Ishida", "Jones", "Klein",
    "Laurent", "Mori", "Nash", "Ortiz",
]

# Index (0-based, in generation order) -> special membership state, so the sync has to
# handle every case the contract allows.
SPECIAL_STATES = {
    5: {"status": "suspended"},
    22: {"status": "suspended"},
    9: {"valid_until": "2026-06-30"},
    17: {"valid_from": "2027-01-01"},
}


def empty_directory() -> Directory:
    """A directory with no communities at all."""
    return Directory()


def demo_directory() -> Directory:
    """The five demo communities, the three personas and 40 other partner members."""
    directory = Directory(clock=lambda: SEED_TIME)
    for community_id, name, kind, markets, description in COMMUNITIES:
        directory.add_community(
            community_id, name=name, kind=kind, markets=markets, description=description
        )
    for email, given, family, company_id, company_name, role, communities in PERSONAS:
        for community_id in communities:
            directory.add_member(
                community_id, email=email, given_name=given, family_name=family,
                company_id=company_id, company_name=company_name, role=role,
            )
    _add_partner_members(directory)
    directory.clock = utc_now_iso  # later changes carry the real time
    return directory


def _add_partner_members(directory: Directory) -> None:
    index = 0
    for company_id, company_name, domain, people, communities in COMPANIES:
        for position in range(people):
            given, family = GIVEN_NAMES[index], FAMILY_NAMES[index]
            fields = {
                "email": f"{given.lower()}.{family.lower()}@{domain}",
                "given_name": given,
                "family_name": family,
                "company_id": company_id,
                "company_name": company_name,
                "role": "partner_admin" if position == 0 else "member",
                **SPECIAL_STATES.get(index, {}),
            }
            for community_id in communities:
                directory.add_member(community_id, **fields)
            index += 1


SEEDS = {"demo": demo_directory, "empty": empty_directory}


def build_directory(seed: str) -> Directory:
    """The directory for a seed name; ValueError for an unknown one."""
    try:
        factory = SEEDS[seed]
    except KeyError:
        raise ValueError(f"unknown seed {seed!r}; choose one of {sorted(SEEDS)}")
    return factory()
