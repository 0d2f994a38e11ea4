"""The majors a trained inspector expects per premises kind of the register, against the shipped checklists.

Each row is a kind of premises the demo register holds (fieldapp.demo COMPANY_TRADES and
the 九小 venue types). The register records venue type, industry, size and landlord, not
the processes a firm runs, so a premises is offered every item of its industry's Order 10
article and of the special articles (dust, ammonia, confined spaces); the inspector answers
不适用 where the process is absent (a shoe workshop has no fryer). The table therefore
lists, per kind, what the standard makes major for that kind of register entry.
"""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp import checklists
from fieldapp.paths import CHECKLISTS_DIR

ORDER10_COMMON = {
    "contractor_coordination",
    "special_ops_certified",  # Art. 3 (1), (2)
    "dust_area_layout",
    "dust_system_separate",
    "dry_collector_protection",
    "dust_positive_pressure",
    "dust_no_settling_chamber",
    "dust_airlock_discharge",
    "dust_zone20_ex_electrics",
    "dust_ignition_control",
    "dust_water_reactive_metal",
    "dust_cleaning",  # Art. 11 (1)–(10)
    "ammonia_no_direct_ac",
    "ammonia_quick_freezer_room",  # Art. 12
    "confined_space_identified",
    "confined_space_permit",  # Art. 13
    "safety_devices_effective",  # Art. 14
}
MACHINERY = {
    "mech_gathering_rooms",
    "mech_furnace_emergency_discharge",
    "mech_no_water_in_pits",
    "mech_cooling_interlock",
    "mech_solvent_cleaning",
    "mech_paint_room",
}  # Art. 7
LIGHT = {
    "light_fryer_overheat",
    "light_liquor_ethanol",
    "light_liquid_chlorine",
    "light_gas_kiln",
    "light_paint_room",
    "light_lithium_battery",
}  # Art. 8
BUILDING_MATERIALS = {
    "bm_coal_mill",
    "bm_silo_manual_cleaning",
    "bm_carbide_slag_silo",
    "bm_isolation_before_entry",
    "bm_premix_gas_kiln",
    "bm_gas_rooms_detection",
    "bm_fused_furnace_cooling",
    "bm_glass_furnace_cooling",
}  # Art. 6

# GB 35181 direct elements (same keys in the 2017 and 2025 checklists).
FLAMMABLES_CROWDED = (
    "flammables_in_crowded"  # 2017 §6.8; labour-intensive workshops and dorms via 消防法 Art. 73
)
FLAMMABLES_DWELLING = "flammables_with_dwelling"  # 2017 §6.2
AB_UNDERGROUND = "class_ab_underground"  # 2017 §6.4
EXITS = "exits_enough"  # 2017 §6.5; 网吧 and 桑拿/足浴 as entertainment (GB 50016 §5.4.9)
SYSTEMS = "sprinkler_alarm_required"  # 2017 §6.6
CHILD_FLOOR = "child_rooms_floor"  # 2017 §6.9
SANDWICH = "dwelling_sandwich_panel"  # 2017 §6.10

EXPECTED = [
    # kind, (venue_type, industry, size_class), Order 10 majors, GB 35181 direct majors
    (
        "shoe workshop (鞋业, labour-intensive)",
        (None, "轻工", "medium"),
        ORDER10_COMMON | LIGHT,
        {FLAMMABLES_CROWDED, FLAMMABLES_DWELLING, AB_UNDERGROUND, SANDWICH},
    ),
    (
        "foundry (精密铸造)",
        (None, "机械", "medium"),
        ORDER10_COMMON | MACHINERY,
        {FLAMMABLES_DWELLING, AB_UNDERGROUND},
    ),
    (
        "food factory with fryers (食品)",
        (None, "轻工", "above_scale"),
        ORDER10_COMMON | LIGHT,
        {FLAMMABLES_CROWDED, FLAMMABLES_DWELLING, AB_UNDERGROUND, SANDWICH},
    ),
    (
        "cold store with ammonia (物流)",
        (None, "商贸", "small_micro"),
        ORDER10_COMMON,
        {FLAMMABLES_DWELLING, AB_UNDERGROUND},
    ),
    (
        "ceramics kiln (建筑陶瓷)",
        (None, "建材", "medium"),
        ORDER10_COMMON | BUILDING_MATERIALS,
        {FLAMMABLES_DWELLING, AB_UNDERGROUND},
    ),
    (
        "internet café",
        ("internet_cafe", "文化娱乐", "small_micro"),
        set(),
        {FLAMMABLES_CROWDED, EXITS, SYSTEMS},
    ),
    (
        "foot-bath (足浴)",
        ("beauty_bath", "其他", "small_micro"),
        set(),
        {FLAMMABLES_CROWDED, EXITS, SYSTEMS},
    ),
    (
        "kindergarten",
        ("school", "教育", "small_micro"),
        set(),
        {FLAMMABLES_CROWDED, CHILD_FLOOR, SANDWICH},
    ),
    ("hotel", ("hotel", "住宿", "small_micro"), set(), {FLAMMABLES_CROWDED, SYSTEMS, SANDWICH}),
    (
        "shop",
        ("shop", "商贸", "small_micro"),
        set(),
        {FLAMMABLES_CROWDED, FLAMMABLES_DWELLING, EXITS, SYSTEMS},
    ),
]


@pytest.fixture(scope="module")
def registry() -> checklists.Registry:
    return checklists.Registry(checklists.load_dir(CHECKLISTS_DIR))


def majors(registry: checklists.Registry, premises: tuple, day: date) -> set[tuple[str, str]]:
    venue, industry, size = premises
    return {
        (c.id, i.key)
        for c in registry.for_premises(venue, industry, size, False, day)
        for i in c.items_for(venue, industry, size, False)
        if i.major
    }


@pytest.mark.parametrize(
    "day,fire", [(date(2025, 10, 31), "fire_major_2017"), (date(2025, 11, 1), "fire_major_2025")]
)
@pytest.mark.parametrize(
    "kind,premises,order10,fire_direct", EXPECTED, ids=[e[0] for e in EXPECTED]
)
def test_applicable_checklists_hold_exactly_the_expected_majors(
    registry, kind, premises, order10, fire_direct, day, fire
):
    expected = {("major_hazards_gongmao", k) for k in order10} | {(fire, k) for k in fire_direct}
    assert majors(registry, premises, day) == expected


def test_paint_rooms_are_major_only_for_machinery_and_light_industry(registry):
    """Order 10 puts paint rooms in Art. 7 (机械) and Art. 8 (轻工): not in 建材, 纺织 or 冶金有色."""
    for industry in ("建材", "纺织", "冶金有色", "商贸", "烟草"):
        found = {k for _, k in majors(registry, (None, industry, "medium"), date(2026, 1, 1))}
        assert not found & {"mech_paint_room", "light_paint_room"}, industry


def test_a_landlord_adds_the_tenant_coordination_major(registry):
    day = date(2026, 1, 1)
    plain = {
        (c.id, i.key)
        for c in registry.for_premises(None, "机械", "medium", True, day)
        for i in c.items
        if i.major
    }
    assert ("landlord", "tenant_coordination") in plain
