from bot.domain.org_changes import OrgEntry, departures_need_confirmation, org_changes


def entry(email, team="T", manager=None, name=None, in_org=True):
    return OrgEntry(email, name or email[0].upper(), team, None, manager, in_org)


def test_changes_name_adds_updates_moves_and_departures():
    stored = [
        entry("a@x"),
        entry("b@x", manager="a@x"),
        entry("c@x", manager="a@x"),
        entry("d@x"),
        entry("gone@x", in_org=False),
        OrgEntry("u@x", None, None, None, None, in_org=False),  # known only from usage
    ]
    listed = [
        entry("a@x"),
        entry("b@x", manager="a@x", name="Bea"),  # renamed
        entry("c@x", team="R", manager="b@x"),  # moved (and team changed: updated too)
        entry("n@x"),
        entry("u@x"),
    ]
    changes = org_changes(stored, listed)
    assert (changes.added, changes.updated, changes.moved, changes.departed, changes.attributed) == (
        ["n@x"],
        ["b@x", "c@x"],
        ["c@x"],
        ["d@x"],
        ["u@x"],
    )
    assert changes.in_org_before == 4 and not changes.nothing
    assert org_changes(stored, [e for e in stored if e.in_org]).nothing


def test_more_than_a_fifth_departing_needs_confirmation():
    assert not departures_need_confirmation(20, 100)
    assert departures_need_confirmation(21, 100)
    assert not departures_need_confirmation(0, 0)
    assert departures_need_confirmation(1, 4)
