"""The DynamoDB capacity arithmetic `make bench` prices the journey with (bench/units.py)."""

from bench import units


def test_item_size_follows_dynamodb_rules():
    # names + values: "PK"(2) + "APP#a"(5), "n"(1) + 123 (3 digits -> 2 + 1), "ok"(2) + bool(1)
    assert units.item_size({"PK": {"S": "APP#a"}, "n": {"N": "123"}, "ok": {"BOOL": True}}) == 7 + 4 + 3
    assert units.value_size({"S": "考点"}) == 6  # UTF-8 bytes
    assert units.value_size({"N": "1000"}) == 2  # trailing zeros do not count
    assert units.value_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 1 + 2
    assert units.value_size({"L": [{"N": "1"}, {"NULL": True}]}) == 3 + (1 + 2) + (1 + 1)


def test_reads_round_up_to_4kb_and_eventual_reads_cost_half():
    assert units.read_units(0) == 0.5  # a GetItem that finds nothing still costs a unit
    assert units.read_units(4096) == 0.5
    assert units.read_units(4097) == 1.0
    assert units.read_units(4097, consistent=True) == 2.0
    assert units.read_units(100, transactional=True) == 2.0


def test_writes_round_up_to_1kb_of_the_larger_image_and_transactions_cost_double():
    assert units.write_units(0, 1024) == 1
    assert units.write_units(3000, 1025) == 3
    assert units.write_units(200, 300, transactional=True) == 2


def test_index_writes_depend_on_whether_the_item_enters_leaves_or_moves():
    keys = ("QueuePK", "QueueSK")
    out = {"PK": {"S": "APP#a"}}
    queued = {**out, "QueuePK": {"S": "QUEUE#SITE#1101"}, "QueueSK": {"S": "t1#a"}}
    moved = {**out, "QueuePK": {"S": "QUEUE#REGION#11"}, "QueueSK": {"S": "t2#a"}}
    assert units.index_write_units(out, out, keys) == 0
    assert units.index_write_units(out, queued, keys) == 1
    assert units.index_write_units(queued, out, keys) == 1
    assert units.index_write_units(queued, queued, keys) == 1
    assert units.index_write_units(queued, moved, keys) == 2


def test_storage_counts_the_overhead_and_every_index_copy():
    item = {"PK": {"S": "a"}, "GSI1PK": {"S": "b"}, "GSI1SK": {"S": "c"}}
    size = units.item_size(item) + units.ITEM_OVERHEAD
    assert units.storage_bytes([item], {"ByCandidate": ("GSI1PK", "GSI1SK"), "ReviewQueue": ("QueuePK",)}) == 2 * size
