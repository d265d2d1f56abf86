"""Recognition numbers under concurrency, committed for real (a transactional test, in a module
of its own so that it runs with the other transactional modules, after the rest)."""

import pytest
from django.db import transaction


# Serialized like the other transactional tests, so that its flush does not
# leave the next one's restored rows clashing with recreated content types.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_recognitions_at_once_get_two_numbers():
    """The counter's row is locked while a number is given: a second recognition at the same
    moment waits, then takes the next number (on PostgreSQL as on SQLite)."""
    import threading
    import time

    from django.db import connection

    from review.recognition import next_sequence

    start, results, errors = threading.Barrier(2), [], []

    def recognise_now():
        try:
            start.wait()
            with transaction.atomic():
                results.append(next_sequence(2031))
                time.sleep(0.3)  # hold the lock while the other one asks
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=recognise_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [1, 2]
