"""Means of entry (domain.access): what is issued at B and how renewals differ from what they replace."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import cycle

from openbook.domain import access
from openbook.domain.inventory import AttendanceMode


def draws(*values: int) -> access.Draw:
    source: Iterator[int] = cycle(values)
    return lambda n: next(source) % n


def test_a_place_attended_in_person_gets_one_pin_and_one_barcode() -> None:
    issued = access.issue(draws(42, 7), AttendanceMode.OFFLINE)
    assert issued.codes == (access.AccessCode("Pin Code", "000042"),)
    assert issued.passes == (access.Barcode("000000000007"),)
    assert not access.issue(draws(1), AttendanceMode.MIXED).is_empty


def test_an_online_place_gets_no_entry_means_but_keeps_a_brokers_barcode() -> None:
    mine = {"@type": "Barcode", "text": "B-1"}
    issued = access.issue(draws(1), AttendanceMode.ONLINE, (mine,))
    assert issued.codes == () and [b.supplied for b in issued.passes] == [mine]


def test_renewals_never_repeat_the_code_they_replace() -> None:
    issued = access.issue(draws(5, 9), AttendanceMode.OFFLINE, ({"@type": "Barcode", "text": "B-1"},))
    renewed = access.renew_codes(issued, draws(5, 5, 6))  # the first draw repeats the old pin: drawn again
    assert renewed.codes == (access.AccessCode("Pin Code", "000006"),) and renewed.passes == issued.passes
    passes = access.renew_passes(renewed, draws(9, 10))
    assert [b.text for b in passes.passes] == ["000000000010", "B-1"]  # the broker's barcode is kept
    assert passes.passes[1].broker_supplied and passes.codes == renewed.codes
